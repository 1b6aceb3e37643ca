"""``python -m cslib.run.batch``: the process of a batch's runs (see :func:`~cslib.run.batch.workers.execute_run`)."""

import sys

from cslib.run.batch.workers import child_main

sys.exit(child_main())
