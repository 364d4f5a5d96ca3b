"""The data package's paths stay inside the package's folder.

The Data Package standard requires each resource's `path` to be a relative POSIX path without
`..` segments (https://specs.frictionlessdata.io/data-resource/#data-location): a descriptor
must not make the pipeline read a system file, whose content would then be echoed in a message
or copied into the report. URLs are refused too: the pipeline reads local files only, so that a
build never depends on a server. The check runs before any file is opened.
"""

from __future__ import annotations

import re
from pathlib import Path

# A URL or another scheme (http:, https:, ftp:, file:, data:...); a Windows drive letter is
# refused separately as an absolute path.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_DRIVE = re.compile(r"^[A-Za-z]:")


def outside_path_reason(value: str, folder: Path) -> str | None:
    """Why a resource path `value`, read relative to `folder`, is refused, or None when it names
    a place inside `folder` (after following symbolic links)."""
    if any(ord(character) < 32 for character in value):
        return "it holds a control character (a NUL byte or a line break)"
    if _SCHEME.match(value):
        return "it is a URL: the pipeline reads local files only; download the file into the package's folder"
    if value.startswith(("/", "\\", "~")) or _DRIVE.match(value):
        return "it is an absolute path"
    if ".." in re.split(r"[\\/]", value):
        return "it goes up a folder with '..'"
    target = (folder / value).resolve()
    if not target.is_relative_to(folder.resolve()):
        return "it is a symbolic link leading outside the package's folder"
    return None
