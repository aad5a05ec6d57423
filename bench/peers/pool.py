"""The Python recipe: multiprocessing.Pool(N).starmap(urllib.request.urlretrieve, pairs).

Usage: python3 pool.py N LIST   (LIST: one "URL relative/path" per line; paths relative to the cwd)
"""
import multiprocessing
import os
import sys
import urllib.request


def main():
    n, list_path = int(sys.argv[1]), sys.argv[2]
    pairs = []
    with open(list_path) as f:
        for line in f:
            url, _, path = line.rstrip("\n").partition(" ")
            if url:
                pairs.append((url, path))
    for d in {os.path.dirname(path) for _, path in pairs}:
        if d:
            os.makedirs(d, exist_ok=True)
    with multiprocessing.Pool(n) as pool:
        pool.starmap(urllib.request.urlretrieve, pairs)


if __name__ == "__main__":
    main()
