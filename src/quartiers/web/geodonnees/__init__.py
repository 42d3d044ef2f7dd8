"""Geographic data behind the web pages and the API, loaded once per process and cached:
the perimeter lists offered (:mod:`.listes`) and their GeoJSON with the outlines drawn under
them (:mod:`.geojson`). Every point answer comes from :mod:`quartiers.eligibility` (through
:mod:`quartiers.web.verification.services`); the sheets' indicators are in
:mod:`quartiers.web.fiches.indicateurs`."""
