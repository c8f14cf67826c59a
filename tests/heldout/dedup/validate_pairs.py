"""Structural check for pairs.jsonl (held-out 同源诉求 linking set). Run: python3 validate_pairs.py"""
import json, re, sys, collections, pathlib

EXPECTED = {"same_matter": 120, "same_street_different_problem": 70,
            "same_problem_different_place": 70, "same_problem_nearby_but_different": 30,
            "unrelated": 30}
CATS = {"complaint", "report", "suggestion"}
CJK = re.compile(r"[\u4e00-\u9fff]")

def main(path):
    lines = pathlib.Path(path).read_text(encoding="utf-8").splitlines()
    errs, kinds, ids, diffcat = [], collections.Counter(), set(), 0
    if len(lines) != 320:
        errs.append(f"expected 320 lines, got {len(lines)}")
    for n, ln in enumerate(lines, 1):
        try:
            o = json.loads(ln)
        except Exception as e:
            errs.append(f"line {n}: bad json {e}"); continue
        if set(o) != {"id", "a", "b", "same", "kind", "hours_apart"}:
            errs.append(f"line {n}: keys {sorted(o)}")
            continue
        if o["id"] in ids: errs.append(f"line {n}: duplicate id {o['id']}")
        ids.add(o["id"])
        if o["kind"] not in EXPECTED: errs.append(f"line {n}: kind {o['kind']}")
        kinds[o["kind"]] += 1
        if o["same"] is not (o["kind"] == "same_matter"):
            errs.append(f"line {n}: same/kind mismatch")
        h = o["hours_apart"]
        if not isinstance(h, (int, float)) or isinstance(h, bool) or not (0.1 <= h <= 160):
            errs.append(f"line {n}: hours_apart {h}")
        for side in ("a", "b"):
            s = o[side]
            if not isinstance(s, dict) or set(s) != {"category", "description", "place"}:
                errs.append(f"line {n}{side}: fields"); continue
            if s["category"] not in CATS: errs.append(f"line {n}{side}: category {s['category']}")
            c = len(CJK.findall(s["description"]))
            if not (15 <= c <= 200): errs.append(f"line {n}{side}: {c} CJK chars in description")
            if not s["place"].strip(): errs.append(f"line {n}{side}: empty place")
        if o["kind"] == "same_matter" and o["a"]["category"] != o["b"]["category"]:
            diffcat += 1
    for k, v in EXPECTED.items():
        if kinds[k] != v: errs.append(f"kind {k}: {kinds[k]} != {v}")
    print("lines:", len(lines), "unique ids:", len(ids))
    for k in EXPECTED: print(f"  {k}: {kinds[k]}")
    print("same=true:", sum(1 for l in lines if json.loads(l)["same"]),
          "| same_matter with differing categories:", diffcat)
    if errs:
        print("ERRORS:"); [print("  ", e) for e in errs]; return 1
    print("OK"); return 0

if __name__ == "__main__":
    here = pathlib.Path(__file__).with_name("pairs.jsonl")
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else here))
