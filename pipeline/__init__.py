"""The unattended pipeline behind ``claimkit watch``: drop folders in, outboxes out.

``process_file(path, config)`` runs one file (837P: scan, split, 999/277CA, archive;
835: remit report, archive; anything else: FAILED with a reason) and records every
step in the journal; :class:`~pipeline.watcher.Watcher` runs it on a folder.
"""

from pipeline.config import RetryPolicy, WatchConfig, load_config
from pipeline.process import Outcome, Pipeline, process_file

__all__ = ["Outcome", "Pipeline", "RetryPolicy", "WatchConfig", "load_config", "process_file"]
