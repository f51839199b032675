"""Data shared by the API tests."""

EXTRACTION = "site,mineral,quantity,unit,uncertainty\nSA-01,ore,4100,t,40\n"
PROBLEM = "application/problem+json"
