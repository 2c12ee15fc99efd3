"""Generate a synthetic vaultkit vault for benchmarks and stress tests.

    python bench/generate_vault.py OUT_DIR --people N [--seed S]

makes N contact notes in People/<letter>/, 2N meeting notes in Meetings/<year>/ and
N/20 org notes in Orgs/, following the note format of docs/schema.md: referral chains
among people, meetings with one or two people, referrals to existing people and a few
to people without a note, outreach date lists, dates over 2025-2026, and Markdown
bodies of 1-3 KB with body links and tasks.

About a fifth of the notes use harder YAML (comments, block strings, nested mappings in
unknown fields, single-quoted values); about 3% use CRLF line endings and about 2% start
with a UTF-8 byte order mark. The same arguments always give the same bytes.

Pure standard library; `generate()` is importable.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from vaultkit.model import SOURCES  # the schema's own list, in its order


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Ada Aisha Alejandro Amara Ana Anders Ben Bianca Carlos Chen Chloe Dana Daniel David "
    "Elena Emeka Emma Erik Farah Fatima Felix Gabriel Grace Hana Hannah Ibrahim Ines Isaac "
    "Jamal Jana Javier Julia Kai Karin Kenji Lars Laura Lena Leo Lucia Maya Marcus Maria "
    "Mateo Mei Mohammed Nadia Naomi Nikhil Nora Omar Oscar Paula Priya Rafael Ravi Rosa "
    "Ruth Sam Sara Sean Sofia Tariq Tom Uma Victor Wei Yara Yusuf Zoe"
)
LAST = _words(
    "Abara Adams Alvarez Andersen Bauer Becker Brandt Byrne Carter Castillo Chen Costa "
    "Delgado Dubois Eriksen Fischer Garcia Gupta Haddad Hoffmann Ivanova Jansen Kaur Kim "
    "Kowalski Lang Larsen Lopez Marin Meyer Moreau Murphy Nakamura Natarajan Novak Nowak "
    "O'Brien Okafor Okoro Olsen Palmer Patel Petrova Popescu Quinn Rahman Reed Reyes Rossi "
    "Santos Schmidt Sato Silva Singh Svensson Tanaka Torres Usman Vargas Walsh Watanabe "
    "Weber Wong Yilmaz Young Zhang"
)
ORG_A = _words(
    "Acme Alder Apex Beacon Blue Bright Cedar Cobalt Crescent Delta Ember Field Granite "
    "Harbor Horizon Juniper Lumen Maple Meridian North Orbit Pine Quill River Silver Summit "
    "Tidal Vertex"
)
ORG_B = _words(
    "Health Software Analytics Labs Bank Insurance Logistics Research Studio Systems "
    "Learning Energy Foods Mobility Media Robotics Security Works"
)
INDUSTRIES = (
    "digital health",
    "B2B SaaS",
    "fintech",
    "insurance",
    "logistics",
    "edtech",
    "UX research consultancy",
    "public sector",
    "retail",
    "media",
)
ROLES = (
    "UX Researcher",
    "Senior UX Researcher",
    "Research Operations Lead",
    "Product Manager",
    "Senior Product Manager",
    "Product Designer",
    "Design Manager",
    "Data Analyst",
    "Head of UX Research",
    "Director of Product",
    "Research Consultant",
    "Staff Researcher",
    "Content Designer",
    "Engineering Manager",
    "VP Product",
    "Recruiter",
)
HARD_ROLES = (
    "Head of Research, EMEA",
    "Director: Product & Design",
    "Lead Researcher (contract)",
    "Manager, Research Ops #2 team",
    "PM - Growth: Activation",
)
TAGS = (
    "uxr",
    "product",
    "design",
    "research-ops",
    "hiring-manager",
    "target",
    "agency",
    "healthcare",
    "fintech",
    "alumni",
    "meetup",
    "linkedin",
    "warm",
    "dream-conversation",
)
VENUES = ("Joe's Coffee", "Office lobby", "Zoom", "The Reading Room")
MODES = ("in-person", "video", "phone")
VERBS = ("Coffee with", "Call with", "Video call with", "Lunch with", "Chat with")
QUESTIONS = (
    "What does a typical week look like?",
    "How did you move into this role?",
    "Which skills matter most on your team?",
    "How do research and product work together here?",
    "What is the outlook for the field over the next few years?",
    "What is the culture like?",
    "What would you do in my place to break in?",
    "Who else should I talk to?",
)
SENTENCES = (
    "Talked about how {p} moved from analytics into research at {o}.",
    "{p} thinks a portfolio with two real studies beats any certificate.",
    "Their team runs about two studies a month; synthesis happens in shared workshops.",
    "Asked about the hiring loop: a take-home exercise, then a panel presentation.",
    "{p} suggested reading the {o} design blog before talking to anyone else there.",
    "Research sits inside the product squads at {o}, with a small central ops group.",
    "Good advice on framing my analyst work as mixed-methods research.",
    "{p} warned that the job market for juniors is slow until spring.",
    "We compared notes on survey design; {p} liked my sampling write-up.",
    "Mentioned that {o} is restructuring, so no hiring before the next quarter.",
    "Worth following up with {p} after the conference in March.",
    "Remember to mention {p} when writing to the people at {o}.",
    "The conversation ran over by ten minutes, which felt like a good sign.",
    "Keep the next message short: one paragraph, one question, one thank-you.",
)
TASKS = (
    "Send {p} the case study draft",
    "Read the {o} annual report",
    "Ask {p} for an introduction",
    "Update my resume with the points {p} made",
    "Follow up on the intro to {o}",
    "Share the article on diary studies with {p}",
)

START = date(2025, 1, 1)
DAYS = (date(2026, 12, 31) - START).days


def _day(rng: random.Random, lo: int = 0, hi: int = DAYS) -> date:
    return START + timedelta(days=rng.randint(lo, hi))


def _q(text: str) -> str:
    """Give text as a double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sq(text: str) -> str:
    """Give text as a single-quoted YAML scalar."""
    return "'" + text.replace("'", "''") + "'"


def _plain(text: str) -> str:
    """Give text as a YAML scalar, plain when that is safe."""
    risky = ": " in text or " #" in text or text[:1] in "-?:,[]{}#&*!|>'\"%@`" or "'" in text
    return _q(text) if risky else text


def _link(name: str) -> str:
    return f"[[{name}]]"


def _link_list(key: str, names: list[str], style: int) -> list[str]:
    """Give a list of links as YAML: flow (0), block (1) or single-quoted block (2)."""
    if style == 0:
        return [f"{key}: [" + ", ".join(_q(_link(n)) for n in names) + "]"]
    if style == 1:
        return [f"{key}:"] + [f"  - {_q(_link(n))}" for n in names]
    return [f"{key}:"] + [f"  - {_sq(_link(n))}" for n in names]


def _date_list(key: str, days: list[date], flow: bool) -> list[str]:
    if flow:
        return [f"{key}: [" + ", ".join(d.isoformat() for d in days) + "]"]
    return [f"{key}:"] + [f"  - {d.isoformat()}" for d in days]


def _names(rng: random.Random, count: int) -> list[str]:
    """Give `count` unique person names, with middle initials once combinations run out.

    Never a numeric suffix: `Ada Popescu 2` reads as a sync tool's duplicate copy.
    """
    pairs = [(f, la) for f in FIRST for la in LAST]
    rng.shuffle(pairs)
    out = []
    for i in range(count):
        first, last = pairs[i % len(pairs)]
        cycle = i // len(pairs)
        middle = ""
        while cycle:
            cycle -= 1
            middle = f"{chr(65 + cycle % 26)}. " + middle
            cycle //= 26
        out.append(f"{first} {middle}{last}")
    return out


def _org_names(rng: random.Random, count: int) -> list[str]:
    pairs = [f"{a} {b}" for a in ORG_A for b in ORG_B]
    rng.shuffle(pairs)
    out = []
    for i in range(count):
        cycle = i // len(pairs)
        kind = ("", " Group", " Partners", " Collective", " Co")[cycle % 5]
        out.append(pairs[i % len(pairs)] + kind + " International" * (cycle // 5))
    return out


class _Gen:
    def __init__(self, out: Path, people: int, seed: int) -> None:
        self.out = out
        self.rng = random.Random(seed)
        self.n = people
        self.people = _names(self.rng, people)
        self.orgs = _org_names(self.rng, max(1, people // 20))
        self.files = 0
        self.dirs: set[str] = set()
        rng = self.rng
        self.person_org = [rng.randrange(len(self.orgs)) for _ in range(people)]
        self.members: list[list[int]] = [[] for _ in self.orgs]
        for i, k in enumerate(self.person_org):
            if len(self.members[k]) < 8:
                self.members[k].append(i)
        # Referral chains: most people were referred by someone met a little earlier.
        self.referrer: list[int | None] = []
        for i in range(people):
            if i > 0 and rng.random() < 0.6:
                self.referrer.append(max(0, i - rng.randint(1, 12)))
            else:
                self.referrer.append(None)
        self.children: list[list[int]] = [[] for _ in range(people)]
        for i, r in enumerate(self.referrer):
            if r is not None:
                self.children[r].append(i)
        taken = {p.lower() for p in self.people}
        self.alias: list[str | None] = []
        for name in self.people:
            alias = None
            if rng.random() < 0.1:
                first, _, rest = name.partition(" ")
                cand = f"{first[0]}. {rest}"
                if cand.lower() not in taken:
                    taken.add(cand.lower())
                    alias = cand
            self.alias.append(alias)
        self.meetings: list[str] = []
        self.meetings_of: list[list[int]] = [[] for _ in range(people)]

    # -- output ------------------------------------------------------------------------
    def write(self, rel: str, front: list[str] | None, body: str) -> None:
        rng = self.rng
        text = ("---\n" + "\n".join(front) + "\n---\n" if front is not None else "") + body
        if rng.random() < 0.03:
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        if rng.random() < 0.02:
            data = b"\xef\xbb\xbf" + data
        path = os.path.join(self.out, rel)
        folder = os.path.dirname(path)
        if folder not in self.dirs:
            os.makedirs(folder, exist_ok=True)
            self.dirs.add(folder)
        with open(path, "wb") as fh:
            fh.write(data)
        self.files += 1

    # -- bodies ------------------------------------------------------------------------
    def person_link(self, i: int) -> str:
        rng = self.rng
        name = self.people[i]
        roll = rng.random()
        if roll < 0.15:
            return f"[[{name}|{name.split(' ')[0]}]]"
        if roll < 0.2:
            return f"[[{name}#Notes]]"
        if roll < 0.25 and self.alias[i]:
            return f"[[{self.alias[i]}]]"
        return f"[[{name}]]"

    def sentence(self, i: int) -> str:
        rng = self.rng
        p = self.person_link(rng.randrange(self.n) if rng.random() < 0.5 else i)
        o = f"[[{self.orgs[self.person_org[i]]}]]"
        return rng.choice(SENTENCES).format(p=p, o=o)

    def tasks(self, i: int) -> list[str]:
        rng = self.rng
        lines = []
        for _ in range(rng.randint(1, 4)):
            text = rng.choice(TASKS).format(
                p=self.person_link(i), o=f"[[{self.orgs[self.person_org[i]]}]]"
            )
            if rng.random() < 0.4:
                lines.append(f"- [x] {text} ✅ {_day(rng).isoformat()}")
            elif rng.random() < 0.8:
                lines.append(f"- [ ] {text} 📅 {_day(rng).isoformat()}")
            else:
                lines.append(f"- [ ] {text}")
        return lines

    def body(self, title: str, i: int, extra: list[str] | None = None) -> str:
        rng = self.rng
        target = rng.randint(1000, 2500)
        parts = [f"# {title}", ""]
        size = len(title) + 4
        if extra:
            parts += [*extra, ""]
            size += sum(len(e) + 1 for e in extra)
        parts += ["## Notes", ""]
        while size < target:
            para = " ".join(self.sentence(i) for _ in range(rng.randint(2, 5)))
            if rng.random() < 0.3:
                para = "- " + para
            parts += [para, ""]
            size += len(para) + 1
        if rng.random() < 0.02:
            parts += ["Ask around about [[Someone I still have to look up]].", ""]
        parts += ["## Tasks", "", *self.tasks(i), ""]
        return "\n".join(parts)

    # -- notes -------------------------------------------------------------------------
    def org(self, k: int) -> None:
        rng = self.rng
        name = self.orgs[k]
        hard = rng.random() < 0.2
        fm = ["type: org", f"target: {'true' if rng.random() < 0.3 else 'false'}"]
        slug = name.lower().replace(" ", "")
        fm.append(f"website: https://{slug}.example.com")
        industry = rng.choice(INDUSTRIES)
        fm.append(f"industry: {_sq(industry) if hard else industry}")
        fm.append("tags: [" + ", ".join(rng.sample(TAGS, rng.randint(1, 3))) + "]")
        if hard:
            fm.insert(0, "# imported from my old spreadsheet")
            fm += [
                "size:",
                f"  employees: {rng.randint(20, 5000)}",
                "  offices:",
                "    - Remote",
                "    - Berlin",
                "notes: |",
                "  Hiring freeze until Q2, per the last conversation.",
                "  Check the careers page monthly.",
            ]
        members = self.members[k]
        extra = []
        if members:
            extra.append("People: " + ", ".join(f"[[{self.people[i]}]]" for i in members))
        self.write(f"Orgs/{name}.md", fm, self.body(name, members[0] if members else 0, extra))

    def contact(self, i: int) -> None:
        rng = self.rng
        name = self.people[i]
        hard = rng.random() < 0.2
        fm: list[str] = []
        if rng.random() < 0.9:
            fm.append("type: contact")
        alias = self.alias[i]
        if alias:
            fm.append(f"aliases: [{_q(alias)}]")
        roll = rng.random()
        org = self.orgs[self.person_org[i]]
        if roll < 0.85:
            fm.append(f"org: {_sq(_link(org)) if hard else _q(_link(org))}")
        elif roll < 0.95:
            fm.append(f"org: {_plain(org)}")
        if hard and rng.random() < 0.5:
            fm.append(f"role: {_sq(rng.choice(HARD_ROLES))}")
        else:
            fm.append(f"role: {rng.choice(ROLES)}")
        handle = name.lower().replace(" ", ".").replace("'", "")
        if rng.random() < 0.7:
            fm.append(f"email: {handle}@example.com")
        if rng.random() < 0.2:
            fm.append(f'phone: "+1 555 01{rng.randint(0, 99):02d}"')
        if rng.random() < 0.5:
            fm.append(f"linkedin: https://www.linkedin.com/in/{handle.replace('.', '-')}")
        ref = self.referrer[i]
        fm.append(f"source: {'referral' if ref is not None else rng.choice(SOURCES)}")
        if ref is not None:
            if rng.random() < 0.85:
                fm.append(f"referred_by: {_q(_link(self.people[ref]))}")
            else:
                others = [ref, max(0, ref - 1)] if ref > 0 else [ref]
                fm += _link_list("referred_by", [self.people[r] for r in others], rng.randrange(3))
        fm.append(f"seniority: {rng.choice(('peer', 'senior'))}")
        attempts = rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4))
        if attempts:
            first = _day(rng, 0, DAYS - 60)
            days = [first + timedelta(days=7 * k + rng.randint(0, 3)) for k in range(attempts)]
            fm += _date_list("outreach", days, rng.random() < 0.5)
            if rng.random() < 0.6:
                fm.append(f"replied: {(days[-1] + timedelta(days=rng.randint(0, 9))).isoformat()}")
        if rng.random() < 0.05:
            fm.append(f"cadence: {rng.choice((30, 45, 60, 120))}")
        roll = rng.random()
        if roll < 0.05:
            fm.append(f"status: {rng.choice(('paused', 'declined', 'closed'))}")
        elif roll < 0.1:
            fm.append("status: active")
        if rng.random() < 0.03:
            fm.append(f"snooze_until: {_day(rng).isoformat()}")
        tags = rng.sample(TAGS, rng.randint(0, 3))
        if tags and rng.random() < 0.5:
            fm.append("tags: [" + ", ".join(tags) + "]")
        elif tags:
            fm += ["tags:"] + [f"  - {t}" for t in tags]
        if hard:
            fm[1:1] = ["# added after the meetup"]
            fm[-1] += "  # review in spring"
            fm += [
                "notes: |",
                f"  Met through {self.people[ref] if ref is not None else 'a newsletter'}.",
                "  Prefers email over LinkedIn: answers on Fridays.",
                "custom:",
                f"  crm_id: {1000 + i}",
                "  pipeline:",
                f"    stage: {rng.choice(('cold', 'warm', 'hot'))}",
                "    owner: me",
            ]
        extra = []
        if ref is not None:
            extra.append(f"Introduced by {self.person_link(ref)}.")
        kids = self.children[i][:4]
        if kids:
            extra.append("Suggested: " + ", ".join(self.person_link(c) for c in kids) + ".")
        ms = self.meetings_of[i][:5]
        if ms:
            extra += ["", "## Meetings", *(f"- [[{self.meetings[m]}]]" for m in ms)]
        letter = name[0].upper()
        self.write(f"People/{letter}/{name}.md", fm, self.body(name, i, extra))

    def plan_meetings(self) -> list[tuple[str, date, list[int], bool]]:
        rng = self.rng
        plans = []
        used: set[str] = set()
        for _ in range(2 * self.n):
            p = rng.randrange(self.n)
            who = [p]
            if rng.random() < 0.25 and self.n > 1:
                q = rng.randrange(self.n)
                if q != p:
                    who.append(q)
            day = _day(rng)
            base = f"{day.isoformat()} {rng.choice(VERBS)} {self.people[p]}"
            title, k = base, 0
            while title.lower() in used:  # a letter, not "(2)": that reads as a sync copy
                k += 1
                title = f"{base} ({chr(97 + k % 26)}{k // 26 or ''})"
            used.add(title.lower())
            for w in who:
                self.meetings_of[w].append(len(self.meetings))
            self.meetings.append(title)
            plans.append((title, day, who, rng.random() < 0.15))
        return plans

    def meeting(self, title: str, day: date, who: list[int], timed: bool) -> None:
        rng = self.rng
        hard = rng.random() < 0.2
        fm = ["type: meeting"]
        fm.append(
            f"date: {day.isoformat()}T{rng.randint(8, 17):02d}:{rng.choice((0, 30)):02d}"
            if timed
            else f"date: {day.isoformat()}"
        )
        names = []
        for w in who:
            alias = self.alias[w]
            names.append(alias if alias and rng.random() < 0.3 else self.people[w])
        fm += _link_list("with", names, rng.randrange(3) if hard else rng.randrange(2))
        fm.append(f"mode: {rng.choice(MODES)}")
        fm.append(f"duration: {rng.choice((20, 25, 30, 30, 45, 60))}")
        roll = rng.random()
        if roll < 0.04:
            fm.append("status: cancelled")
        elif roll < 0.1:
            fm.append(f"status: {rng.choice(('scheduled', 'done'))}")
        if rng.random() < 0.6:
            fm.append(f"confirmed: {(day - timedelta(days=rng.randint(1, 5))).isoformat()}")
        questions = rng.sample(QUESTIONS, rng.randint(2, 5))
        extra = []
        if rng.random() < 0.4:
            fm += ["questions:"] + [f"  - {_q(q) if hard else q}" for q in questions]
        elif rng.random() < 0.5:
            extra = ["## Questions", *(f"- {q}" for q in questions)]
        referrals = []
        for c in self.children[who[0]][: rng.randint(0, 3)]:
            referrals.append(self.people[c])
        if rng.random() < 0.3:
            referrals.append(self.people[rng.randrange(self.n)])
        if rng.random() < 0.08:
            referrals.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}-{rng.choice(LAST)}")
        if rng.random() < 0.05:
            referrals.append(self.orgs[self.person_org[who[0]]])
        if referrals:
            fm += _link_list("referrals", referrals, rng.randrange(2))
        if rng.random() < 0.7:
            fm.append(f"thanked: {(day + timedelta(days=rng.randint(0, 2))).isoformat()}")
        if rng.random() < 0.4:
            fm.append(f"reported_back: {(day + timedelta(days=rng.randint(10, 60))).isoformat()}")
        if rng.random() < 0.1:
            fm.append(f"reference: {rng.choice(('true', 'false'))}")
        if hard:
            fm.insert(1, "# copied from my calendar invite")
            fm += [
                "summary: >",
                "  Long, friendly conversation; they want to hear back",
                "  after my next two interviews.",
                "location:",
                f"  venue: {_sq(rng.choice(VENUES))}",
                "  floor: 3",
            ]
        body = self.body(title, who[0], extra)
        self.write(f"Meetings/{day.year}/{title}.md", fm, body)

    def run(self) -> int:
        plans = self.plan_meetings()
        for k in range(len(self.orgs)):
            self.org(k)
        for i in range(self.n):
            self.contact(i)
        for plan in plans:
            self.meeting(*plan)
        return self.files


def generate(out: Path, people: int, seed: int = 1) -> int:
    """Write a synthetic vault of `people` contacts into `out`; give the number of files."""
    if people < 1:
        raise ValueError("people must be at least 1")
    os.makedirs(out, exist_ok=True)
    return _Gen(Path(out), people, seed).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the vault into")
    parser.add_argument("--people", type=int, default=1000, help="number of contacts")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args(argv)
    count = generate(args.out, args.people, args.seed)
    print(f"wrote {count} notes to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
