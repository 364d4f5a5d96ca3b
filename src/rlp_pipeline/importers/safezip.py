"""Reading members of an untrusted zip archive (.qdpx, .xlsx) in memory, after checking sizes.

An export is untrusted input. Before anything is decompressed, :meth:`SafeArchive.open` checks
every member of the central directory: a safe name (no absolute path, no `..`, no drive letter),
not encrypted, a plausible compression ratio, and the declared sizes against the limits below; a
zip bomb is refused there with a message naming the member. Members are then read only on
demand, into memory, never extracted to disk, and a read stops at the declared size and at
:data:`MAX_MEMBER_BYTES` whatever the archive claims.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..problems import Problem

# Limits. A real REFI-QDA project is a few megabytes of XML and text (its audio and video
# members are never read); a coding grid is smaller still.
MAX_ARCHIVE_BYTES = 8 * 1024**3          # size of the archive file itself
MAX_MEMBERS = 100_000                    # entries in the central directory
MAX_TOTAL_UNCOMPRESSED = 8 * 1024**3     # sum of the declared sizes of all members
MAX_MEMBER_BYTES = 256 * 1024**2         # largest member this package will decompress
MAX_COMPRESSION_RATIO = 200              # declared size / compressed size, for members...
RATIO_CHECKED_ABOVE = 1024**2            # ...larger than this (tiny files compress oddly well)

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_member_name(name: str) -> str | None:
    """Why a member name could escape the archive's folder (path traversal), or None if safe."""
    normal = name.replace("\\", "/")
    if "\x00" in normal:
        return "it contains a NUL character"
    if normal.startswith("/") or _DRIVE.match(normal):
        return "it is an absolute path"
    if any(part == ".." for part in normal.split("/")):
        return "it goes up with '..' (path traversal)"
    return None


@dataclass
class SafeArchive:
    """An open, checked archive: members by lower-case name, read on demand into memory."""

    shown: str
    archive: zipfile.ZipFile
    members: dict[str, zipfile.ZipInfo]

    @classmethod
    def open(cls, source: Path | str | bytes, shown: str) -> tuple["SafeArchive | None", list[Problem]]:
        """Open an archive from a path or bytes and check every member before any is read."""
        if isinstance(source, (bytes, bytearray)):
            size, stream = len(source), io.BytesIO(source)
        else:
            path = Path(source)
            if not path.is_file():
                return None, [Problem(shown, None, None, None, f"a file at {path} (it does not exist)")]
            size, stream = path.stat().st_size, path
        if size > MAX_ARCHIVE_BYTES:
            return None, [Problem(shown, None, None, f"{size} bytes", f"an archive of at most {MAX_ARCHIVE_BYTES} bytes")]
        try:
            archive = zipfile.ZipFile(stream)
            infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
            return None, [Problem(shown, None, None, None, f"a readable zip archive ({error})")]
        problems = check_members(infos, shown)
        if problems:
            archive.close()
            return None, problems
        members = {info.filename.replace("\\", "/").lower(): info for info in infos if not info.is_dir()}
        return cls(shown, archive, members), []

    def find(self, name: str) -> zipfile.ZipInfo | None:
        """The member with this name, ignoring case and '\\' vs '/' (Sources/ or sources/)."""
        return self.members.get(name.replace("\\", "/").lower())

    def names(self) -> list[str]:
        """Every file member's name as stored."""
        return [info.filename for info in self.members.values()]

    def read(self, info: zipfile.ZipInfo, limit: int | None = None) -> tuple[bytes | None, Problem | None]:
        """A member's bytes, read in memory with a hard limit; a problem instead if it fails."""
        limit = MAX_MEMBER_BYTES if limit is None else limit
        if info.file_size > limit:
            return None, Problem(self.shown, None, None, info.filename,
                                 f"a member of at most {limit} bytes once decompressed (it declares {info.file_size})")
        try:
            with self.archive.open(info) as stream:
                data = stream.read(min(limit, info.file_size) + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
            return None, Problem(self.shown, None, None, info.filename, f"a member that decompresses cleanly ({error})")
        if len(data) > info.file_size:
            return None, Problem(self.shown, None, None, info.filename,
                                 "a member no larger than the size it declares (refused: possible zip bomb)")
        return data, None

    def close(self) -> None:
        """Close the underlying zip file."""
        self.archive.close()


def check_members(infos: list[zipfile.ZipInfo], shown: str) -> list[Problem]:
    """Every reason to refuse an archive, judged on its central directory alone."""
    if len(infos) > MAX_MEMBERS:
        return [Problem(shown, None, None, f"{len(infos)} members", f"an archive of at most {MAX_MEMBERS} members")]
    problems = []
    total = 0
    for info in infos:
        reason = unsafe_member_name(info.filename)
        if reason:
            problems.append(Problem(shown, None, None, info.filename,
                                    f"member names inside the archive's folder; refused because {reason}"))
        if (info.external_attr >> 16) & 0o170000 == 0o120000:  # a Unix symbolic link
            problems.append(Problem(shown, None, None, info.filename,
                                    "regular files inside the archive; refused because this member is a symbolic link"))
        if info.flag_bits & 0x1:
            problems.append(Problem(shown, None, None, info.filename, "members that are not encrypted"))
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_ABOVE and ratio > MAX_COMPRESSION_RATIO:
            problems.append(Problem(
                shown, None, None, info.filename,
                f"a compression ratio of at most {MAX_COMPRESSION_RATIO}:1 (this member expands "
                f"{info.compress_size} bytes into {info.file_size}, {ratio:.0f}:1; refused: zip bomb)"))
    if total > MAX_TOTAL_UNCOMPRESSED:
        problems.append(Problem(shown, None, None, f"{total} bytes once decompressed",
                                f"an archive of at most {MAX_TOTAL_UNCOMPRESSED} bytes once decompressed "
                                "(refused: zip bomb)"))
    return problems
