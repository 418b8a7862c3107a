#!/usr/bin/env python3
"""Turns the seed papers (seed-papers.jsonl, one listing entry a line) into the shipped demo feed.

    python3 convert-seed.py path/to/seed-papers.jsonl > demo-papers.json

The output is the project's own feed format, digest-papers/1 (see ../Files/FORMAT.md). The seed
has no arXiv ids and no author names, only counts, so none are made up: every paper gets a local
id derived from its title exactly as Digest derives one (PaperId.Local: "local-" and the first 16
hex digits of the SHA-256 of the normalised title), and an empty author list. Papers listed on both
seed pages are folded into one. Listing-only fields (rank, page, author count, organisation) are
dropped; the demo keeps title, abstract, date and upvotes.
"""
import hashlib
import html
import json
import sys
import unicodedata


def normalise_title(title):
    # What PaperText.Line does to a title without markup: entities decoded, NFC, whitespace collapsed.
    return " ".join(unicodedata.normalize("NFC", html.unescape(title)).split())


def local_id(title):
    return "local-" + hashlib.sha256(normalise_title(title).encode("utf-8")).hexdigest()[:16]


def convert(lines):
    papers = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        paper = {
            "id": local_id(row["title"]),
            "title": row["title"],
            "abstract": row["summary"],
            "authors": [],
            "publishedOn": row.get("published"),
            "upvotes": row.get("upvotes") or 0,
        }
        previous = papers.get(paper["id"])
        if previous is not None and previous != paper:
            sys.exit(f"line {number}: '{row['title']}' appears twice with different details")
        papers.setdefault(paper["id"], paper)
    return {
        "format": "digest-papers/1",
        "description": "Digest's demo papers: real titles and abstracts from two pages of a public daily-papers "
                       "listing. Local ids derived from the titles; author names are not part of the listing.",
        "papers": list(papers.values()),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: convert-seed.py seed-papers.jsonl > demo-papers.json")
    with open(sys.argv[1], encoding="utf-8") as seed:
        feed = convert(seed)
    json.dump(feed, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
