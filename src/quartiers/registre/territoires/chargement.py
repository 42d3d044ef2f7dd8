"""Loading the reference territories from the shared data directory.

- régions, départements: fixed COG codes (:mod:`.referentiel`), those having communes;
- communes: INSEE UU2020 composition (code, name, urban unit), the whole country or the
  chosen régions;
- quartiers: official QPV perimeters (2024 PACA, 2015 Occitanie and Ille-et-Vilaine) and the
  quartiers computed by the delimitation engine on the grid extract (``calcul``: not an
  official list, marked as such). Population: for computed quartiers, the engine's; for
  official ones, the sum of the Filosofi 2019 squares whose centre lies inside the perimeter
  (only where the grid extract covers them; otherwise unknown);
- EPCIs: a user-supplied CSV, one row per commune (INSEE's columns ``CODGEO, EPCI,
  LIBEPCI`` or ``commune, siren, nom``, optional ``nature``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from quartiers.eligibility.squares import population_by_perimeter
from quartiers.registre.territoires.models import Commune, Departement, Epci, Quartier, Region
from quartiers.registre.territoires.referentiel import DEPARTEMENTS, REGIONS, departement_of

Log = Callable[[str], None]


def _arrondissement(code: str) -> str:
    from quartiers.io.urban_units import ARRONDISSEMENTS

    return ARRONDISSEMENTS.get(code, code)


def charger_referentiel() -> tuple[dict[str, Region], dict[str, Departement]]:
    """Every région and département of the Code officiel géographique (idempotent), by code:
    the loaders of the contracts and posts place their records against it."""
    existantes = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create([Region(code=c, nom=n) for c, n in REGIONS.items()
                                if c not in existantes])
    regions = {r.code: r for r in Region.objects.all()}
    connus = set(Departement.objects.values_list("code", flat=True))
    Departement.objects.bulk_create([
        Departement(code=c, nom=n, region=regions[r]) for c, (n, r) in DEPARTEMENTS.items()
        if c not in connus])
    return regions, {d.code: d for d in Departement.objects.select_related("region")}


def charger_communes(regions: set[str] | None, log: Log) -> int:
    from quartiers.config import dataset
    from quartiers.io.urban_units import read_composition

    communes, uu, uu_names, _brackets, names = read_composition(dataset("uu_composition"))
    deps_wanted = {d for d, (_n, r) in DEPARTEMENTS.items() if regions is None or r in regions}
    present = {departement_of(c) for c in communes} & deps_wanted
    regs = {DEPARTEMENTS[d][1] for d in present}
    for code in sorted(regs):
        Region.objects.update_or_create(code=code, defaults={"nom": REGIONS[code]})
    reg_pk = dict(Region.objects.values_list("code", "pk"))
    for d in sorted(present):
        Departement.objects.update_or_create(
            code=d, defaults={"nom": DEPARTEMENTS[d][0], "region_id": reg_pk[DEPARTEMENTS[d][1]]})
    dep_pk = dict(Departement.objects.values_list("code", "pk"))
    objs = []
    for c, u, un in zip(communes, uu, uu_names, strict=True):
        d = departement_of(str(c))
        if d not in present:
            continue
        urbain = not str(u).endswith("000")
        objs.append(Commune(code=str(c), nom=names.get(str(c), str(c)), departement_id=dep_pk[d],
                            uu_code=str(u) if urbain else "", uu_nom=str(un) if urbain else ""))
    Commune.objects.bulk_create(objs, batch_size=2000, update_conflicts=True,
                                unique_fields=["code"],
                                update_fields=["nom", "departement", "uu_code", "uu_nom"])
    log(f"{len(regs)} régions, {len(present)} départements, {len(objs)} communes.")
    return len(objs)


def _lier(quartiers: dict[str, list[str]], millesime: str, known: dict[str, int]) -> None:
    through = Quartier.communes.through
    qpk = dict(Quartier.objects.filter(millesime=millesime).values_list("code", "pk"))
    through.objects.filter(quartier_id__in=qpk.values()).delete()
    links = []
    for code, coms in quartiers.items():
        for c in sorted({_arrondissement(c) for c in coms}):
            if c in known:
                links.append(through(quartier_id=qpk[code], commune_id=known[c]))
    through.objects.bulk_create(links, batch_size=2000)


def charger_quartiers(log: Log, calcules: bool = True) -> int:
    from quartiers.config import dataset
    from quartiers.inputs import load_inputs
    from quartiers.perimeters import read_perimeters

    known = dict(Commune.objects.values_list("code", "pk"))
    inputs = load_inputs()
    total = 0
    for key, millesime in (("qpv_2024", "2024"), ("qpv_2015", "2015")):
        path = dataset(key)
        p = read_perimeters(path, millesime)
        pops = population_by_perimeter(inputs.grid, p)
        objs = [Quartier(code=str(c), nom=str(n), millesime=millesime,
                         population=round(float(pop)) if pop > 0 else None,
                         source_population="carreaux Filosofi 2019 dont le centre est dans le "
                         "périmètre" if pop > 0 else "",
                         source=f"périmètres officiels ({Path(path).name})")
                for c, n, pop in zip(p.codes, p.names, pops, strict=True)]
        Quartier.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["code", "millesime"],
            update_fields=["nom", "population", "source_population", "source"])
        _lier({str(c): [x for x in str(cs).split(",") if x]
               for c, cs in zip(p.codes, p.communes, strict=True)}, millesime, known)
        log(f"{len(objs)} quartiers de la liste officielle {millesime}.")
        total += len(objs)
    if calcules:
        from quartiers.delimitation import delimit
        from quartiers.parameters import load_rules

        rules = load_rules("2024")
        res = delimit(inputs.grid, inputs.uus, rules, with_geometry=False,
                      unknown_communes="ignorer", commune_names=inputs.uus.commune_names)
        q = res.quartiers
        objs = [Quartier(code=str(r.code), nom=f"{r.nom} (calculé)", millesime="calcul",
                         population=round(float(r.population)),
                         source_population="moteur de délimitation (carroyage Filosofi 2019)",
                         source=f"calculé par le moteur de délimitation, règles {rules.jeu} "
                         "(non officiel)")
                for r in q.itertuples()]
        Quartier.objects.filter(millesime="calcul").exclude(
            code__in=[o.code for o in objs]).delete()
        Quartier.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["code", "millesime"],
            update_fields=["nom", "population", "source_population", "source"])
        _lier({str(r.code): str(r.communes).split(",") for r in q.itertuples()}, "calcul",
              known)
        log(f"{len(objs)} quartiers calculés par le moteur (non officiels).")
        total += len(objs)
    return total


def lire_epci_csv(data: bytes) -> dict[str, tuple[str, str, list[str]]]:
    """siren -> (nom, nature, communes) from a CSV (one row per commune)."""
    text = data.decode("utf-8-sig")
    first = text.splitlines()[0] if text else ""
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if ";" in first else ","))
    out: dict[str, tuple[str, str, list[str]]] = {}
    for i, row in enumerate(rows, start=2):
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        siren = r.get("siren") or r.get("epci") or ""
        commune = r.get("commune") or r.get("codgeo") or ""
        nom = r.get("nom") or r.get("libepci") or ""
        if not siren or not commune:
            raise ValueError(f"ligne {i} : colonnes siren (ou EPCI) et commune (ou CODGEO) "
                             "obligatoires")
        entry = out.setdefault(siren, (nom, r.get("nature", ""), []))
        entry[2].append(commune)
    return out


def charger_epci(data: bytes, log: Log) -> int:
    from quartiers.registre.territoires.models import valider_siren

    epcis = lire_epci_csv(data)
    dep_pk = dict(Departement.objects.values_list("code", "pk"))
    n = 0
    for siren, (nom, nature, communes) in epcis.items():
        valider_siren(siren)
        deps = Counter(departement_of(c) for c in communes)
        dep = next((d for d, _ in deps.most_common() if d in dep_pk), None)
        if dep is None:
            log(f"EPCI {siren} ignoré : aucune commune chargée.")
            continue
        epci, _ = Epci.objects.update_or_create(
            siren=siren, defaults={"nom": nom or siren, "nature": nature[:3],
                                   "source": "fichier des EPCI (charger_territoires --epci)",
                                   "departement_id": dep_pk[dep]})
        Commune.objects.filter(code__in=communes).update(epci=epci)
        n += 1
    log(f"{n} EPCI chargés.")
    return n
