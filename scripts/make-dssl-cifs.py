#!/usr/bin/env python3
"""Writes data/dssl-test-data.cif.gz: the 1373 Materials Project crystals of DSSL's toy data set as one multi-block
CIF, which xtal-ingest reads (it does not read zip files).

The source, ../shared/data/dssl-test-data/test_data.zip (usccolumbia/DSSL:datasets/test_data.zip), holds the same
1373 pymatgen-written P1 CIFs three times (test_data/train, validation and test). This takes test_data/train only,
in file-name order, and keeps each file's text except its `data_<formula>` line, which becomes
`data_dssl-<file stem>`, so that every block has its own name (ingest uses a multi-block file's block names as
ids). targets.csv (formation energy per atom) is left out: the file is for label-free pretraining. The gzip
stream is written with mtime 0, so the file is byte-for-byte reproducible.

Usage: scripts/make-dssl-cifs.py [ZIP] [OUT]
"""
import gzip
import io
import os
import sys
import zipfile


def renamed_block(text, stem):
    """The CIF text with its one data_ line renamed to data_dssl-STEM."""
    lines = text.splitlines()
    blocks = [k for k, line in enumerate(lines) if line.startswith("data_")]
    if len(blocks) != 1:
        raise ValueError(f"{stem}.cif: {len(blocks)} data_ lines, expected 1")
    lines[blocks[0]] = f"data_dssl-{stem}"
    return "\n".join(lines) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../shared/data/dssl-test-data/test_data.zip")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "../data/dssl-test-data.cif.gz")
    prefix = "test_data/train/"
    with zipfile.ZipFile(source) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".cif"))
        blocks = [
            renamed_block(archive.read(name).decode(), name[len(prefix):-len(".cif")]) for name in names
        ]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as stream:
        stream.write("".join(blocks).encode())
    with open(out, "wb") as f:
        f.write(buffer.getvalue())
    print(f"{out}: {len(blocks)} CIF blocks")


if __name__ == "__main__":
    main()
