"""The Station Unity example: the treaty and its test cases (:mod:`.treaty`), and the
data generator with known injected violations (:mod:`.generator`, ``docs/scenario.md``)."""
