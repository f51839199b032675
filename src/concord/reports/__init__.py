"""Quarterly compliance reports (Article 53), as self-contained HTML and reproducible PDF.

* :mod:`concord.reports.model` — :class:`ReportInput`, the plain values a report shows;
* :mod:`concord.reports.render` — ``render_html``, ``render_pdf``, ``write_report``;
* :mod:`concord.reports.charts` — the charts, as byte-stable SVG;
* :mod:`concord.reports.publication` — the ``reports.published`` office statement.
"""
