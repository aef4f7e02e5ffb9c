"""Prints the table of events each calendar reader reads right: python -m tests.readers"""

import tempfile
from pathlib import Path

from tests.readers import corpus, site_writer, table

with tempfile.TemporaryDirectory(prefix="readers-") as workdir:
    print(f"{len(corpus())} events")
    print(table(Path(workdir), site_writer))
