"""The .debs cpack made: lintian reports no error, and the beamscope package
holds what an install needs where Debian and OTP look for it, and names the
Erlang release its NIF was built for.

Usage: test_lintian.py --build-dir BUILD
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

# Paths the beamscope package must hold (a subset: the ones users and OTP
# rely on). VERSION is the agent's version from the package version.
REQUIRED = [
    "./usr/bin/beamscope-collector",
    "./usr/bin/beamscope-ctl",
    "./usr/lib/erlang/lib/beamscope-VERSION/ebin/beamscope.app",
    "./usr/lib/erlang/lib/beamscope-VERSION/ebin/beamscope_app.beam",
    "./usr/lib/erlang/lib/beamscope-VERSION/ebin/beamscope_nif.beam",
    "./usr/lib/erlang/lib/beamscope-VERSION/priv/beamscope_nif.so",
    "./usr/share/beamscope/grafana/beamscope.json",
    "./usr/share/doc/beamscope/copyright",
    "./usr/share/doc/beamscope/changelog.Debian.gz",
    "./usr/share/doc/beamscope/README.md",
    "./usr/share/doc/beamscope/docs/images/overview-alerts.png",  # where README.md links
    "./usr/share/man/man1/beamscope-ctl.1.gz",
    "./usr/share/man/man1/beamscope-collector.1.gz",
]


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True, check=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    args = ap.parse_args()
    debs = sorted(glob.glob(os.path.join(args.build_dir, "package", "*.deb")))
    main_debs = [d for d in debs if os.path.basename(d).startswith("beamscope_")]
    if len(main_debs) != 1:
        fail(f"expected one beamscope_*.deb in {args.build_dir}/package, found {debs}")
    if not shutil.which("lintian"):
        fail("lintian is not installed (scripts/install-deps.sh installs it)")

    # As root lintian warns that it is root; its verdict is the same.
    res = subprocess.run(["lintian", "--no-cfg", "--display-info", *debs], capture_output=True, text=True)
    print(res.stdout, end="")
    print(res.stderr, end="", file=sys.stderr)
    errors = [line for line in res.stdout.splitlines() if line.startswith("E:")]
    if errors:
        fail(f"lintian reports {len(errors)} errors:\n" + "\n".join(errors))
    if res.returncode != 0:
        fail(f"lintian exited {res.returncode}")
    for deb in debs:
        print(f"{os.path.basename(deb)}: {os.path.getsize(deb)} bytes")

    deb = main_debs[0]
    version = field(deb, "Version")
    upstream = version.rsplit("-", 1)[0]
    listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    paths = {line.split()[-1] if " -> " not in line else line.split()[-3] for line in listing.splitlines()}
    missing = [p for p in (r.replace("VERSION", upstream) for r in REQUIRED) if p not in paths]
    if missing:
        fail(f"{os.path.basename(deb)} lacks {missing}")

    # The Erlang it declares is the release erl runs here (the NIF's).
    otp = subprocess.run(["erl", "-noshell", "-eval",
                          'io:format("~s", [erlang:system_info(otp_release)]), halt().'],
                         capture_output=True, text=True, check=True).stdout
    depends = field(deb, "Depends")
    lower = re.search(r"erlang-base \(>= (?:\d+:)?(\d+)[^)]*\)", depends)
    upper = re.search(r"erlang-base \(<< (?:\d+:)?(\d+)~\)", depends)
    if not lower or not upper or int(lower.group(1)) != int(otp) or int(upper.group(1)) != int(otp) + 1:
        fail(f"Depends does not pin erlang-base to OTP {otp}: {depends}")
    for lib in (r"libzmq5", r"libprotobuf\d+"):
        if not re.search(rf"\b{lib}\b", depends):
            fail(f"Depends lacks {lib}: {depends}")
    print(f"{os.path.basename(deb)}: Depends: {depends}")


if __name__ == "__main__":
    main()
