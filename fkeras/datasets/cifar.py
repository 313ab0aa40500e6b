"""Reading CIFAR's "python version" batch files (shared by cifar10 and cifar100)."""
from __future__ import annotations

from fkeras.datasets._utils import restricted_load


def load_batch(fpath, label_key="labels"):
    """Parse one CIFAR batch file into ``(data (N, 3, 32, 32) uint8, labels)``.

    The files are Python pickles of ``{b"data": ..., b"labels": ...}`` dicts. Keras reads them with
    ``pickle`` because the tarball is hash-verified and comes from the dataset's authors; we read
    the same trusted files, but through a restricted unpickler that only rebuilds numpy arrays.
    """
    with open(fpath, "rb") as f:
        d = restricted_load(f, encoding="bytes")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise ValueError(f"{fpath} is not a CIFAR batch with 'data' and {label_key!r} entries "
                         f"(found {sorted(d)}); delete the cached archive and download it again.")
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
