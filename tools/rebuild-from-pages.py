#!/usr/bin/env python3
"""Rebuild a SQLite database from a Lifeboat page-level restore point, without Lifeboat.

Needs Python 3 (standard library only) and the `zstd` and `age` command-line tools. The format is
described in docs/page-store.md.

    rebuild-from-pages.py PLACE MANIFEST OUTPUT [--key REPOSITORY-KEY.json]

PLACE     the folder that holds `_pages/` (a vault, or a copy of a destination folder)
MANIFEST  the restore point's manifest (PLACE/<source>/<source>_<id>.manifest.json)
OUTPUT    the database file to write (must not exist)
--key     the repository key, for encrypted packs: decrypt it first with
          `age -d -o repo-key.json PLACE/_pages/key-<…>.age` (asks for the passphrase, or
          add `-i your-age-key.txt`)

Every page is checked against its id when the id key is known (config.json, or --key), and the
whole file against the manifest's SHA-256. Exit status 0 only when the database is exactly the one
the restore point describes.
"""
import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile

ID_BYTES = 16


def fail(message):
    print(f"rebuild-from-pages: {message}", file=sys.stderr)
    sys.exit(1)


def decode(path, identity_file):
    """A pack's or an index's plain bytes: age -d (when .age), then zstd -d."""
    data = open(path, "rb").read()
    if path.endswith(".age"):
        if identity_file is None:
            fail(f"{path} is encrypted: give the repository key with --key")
        data = subprocess.run(["age", "-d", "-i", identity_file], input=data, capture_output=True, check=True).stdout
    return subprocess.run(["zstd", "-d", "-c"], input=data, capture_output=True, check=True).stdout


def blob_id(id_key, kind, data):
    return hmac.new(id_key, kind.encode() + data, hashlib.sha256).digest()[:ID_BYTES].hex()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("place")
    parser.add_argument("manifest")
    parser.add_argument("output")
    parser.add_argument("--key")
    args = parser.parse_args()

    manifest = json.load(open(args.manifest))
    pages = manifest.get("pages")
    if manifest.get("artifact", {}).get("format") != "pages" or not pages:
        fail(f"{args.manifest} is not a page-level restore point (a whole-file one opens with sqlite3, zstd -d and age -d)")
    store = os.path.join(args.place, "_pages")
    config = json.load(open(os.path.join(store, "config.json")))
    id_key = bytes.fromhex(config["idKey"]) if "idKey" in config else None
    identity_file = None
    if args.key:
        key = json.load(open(args.key))
        id_key = bytes.fromhex(key["idKey"])
        handle, identity_file = tempfile.mkstemp(prefix="lifeboat-key-")
        os.write(handle, (key["identity"] + "\n").encode())
        os.close(handle)
    try:
        # Where every blob is: the packs' index files.
        where = {}
        for name in sorted(os.listdir(store)):
            if ".index.zst" not in name:
                continue
            index = json.loads(decode(os.path.join(store, name), identity_file))
            pack = os.path.join(store, name.replace(".index.zst", ".pack.zst"))
            for blob, kind, offset, length in index["blobs"]:
                where.setdefault(blob, (pack, kind, offset, length))

        def read_blobs(ids, use):
            by_pack = {}
            for blob in ids:
                if blob not in where:
                    fail(f"no pack holds blob {blob}, which this restore point needs")
                by_pack.setdefault(where[blob][0], []).append(blob)
            for pack, blobs in by_pack.items():
                plain = decode(pack, identity_file)
                for blob in blobs:
                    _, kind, offset, length = where[blob]
                    data = plain[offset:offset + length]
                    if id_key is not None and blob_id(id_key, kind, data) != blob:
                        fail(f"blob {blob} in {pack} does not match its id: the pack was changed or damaged")
                    use(blob, data)

        chunks = {}
        read_blobs(set(pages["map"]), lambda blob, data: chunks.__setitem__(blob, data))
        ids = b"".join(chunks[c] for c in pages["map"])
        page_size, page_count = pages["pageSize"], pages["pageCount"]
        if len(ids) != page_count * ID_BYTES:
            fail("the page map does not hold as many pages as the manifest says")
        at = {}
        for n in range(page_count):
            at.setdefault(ids[n * ID_BYTES:(n + 1) * ID_BYTES].hex(), []).append(n)
        with open(args.output, "xb") as out:
            out.truncate(page_count * page_size)

            def write(blob, data):
                for n in at[blob]:
                    out.seek(n * page_size)
                    out.write(data)

            read_blobs(set(at), write)
        digest = hashlib.sha256(open(args.output, "rb").read()).hexdigest()
        if digest != manifest["database"]["sha256"]:
            fail(f"the rebuilt file's SHA-256 is {digest}, not {manifest['database']['sha256']} as the manifest says")
        print(f"{args.output}: {page_count} pages of {page_size} bytes, SHA-256 {digest} as the manifest says")
    finally:
        if identity_file:
            os.remove(identity_file)


if __name__ == "__main__":
    main()
