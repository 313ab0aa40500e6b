"""``BackupAndRestore``: resume a killed training run exactly where its last backup was taken."""
from __future__ import annotations

import shutil

from fkeras.callbacks.callback import Callback


class BackupAndRestore(Callback):
    """Back the training state up regularly and resume from the last backup after an interruption.

    The backup goes to ``backup_dir`` every epoch, or every ``save_freq`` batches. When ``fit``
    starts and a backup exists, it is restored and training continues from that epoch and batch. The
    backup is the whole training state (weights, optimizer state, metric state, PRNG key, shuffling
    seed), written atomically with orbax, so the resumed run ends with the same weights as an
    uninterrupted one.

    Args:
        backup_dir: Directory for the backups (created at the start of ``fit``). It must not be
            shared with another training run.
        save_freq: ``"epoch"`` (default) to back up at the end of every epoch, or a positive integer
            ``n`` to back up every ``n`` training batches.
        double_checkpoint: Whether to keep the previous backup as well as the newest one (two on
            disk instead of one), so a backup damaged while being written still leaves an intact
            one. Defaults to ``False``.
        delete_checkpoint: Whether to delete ``backup_dir`` when training finishes normally.
            Defaults to ``True``; pass ``False`` to keep the last backup.

    Raises:
        ValueError: If ``backup_dir`` is empty or ``save_freq`` is neither ``"epoch"`` nor a
            positive integer.

    Example:
        callback = keras.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
        model.fit(x, y, epochs=10, callbacks=[callback])   # killed? run the same line again
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (not isinstance(save_freq, int) or save_freq <= 0):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or a positive integer.")
        self.backup_dir = str(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._checkpointer = None
        self._batches_seen = 0
        if save_freq != "epoch":
            self.on_train_batch_end = self._save_every_n_batches  # batch hooks only when needed

    def _ckpt(self):
        if self._checkpointer is None:
            from fkeras.saving.checkpointer import Checkpointer

            self._checkpointer = Checkpointer(self.backup_dir, max_to_keep=2 if self.double_checkpoint else 1)
        return self._checkpointer

    def on_train_begin(self, logs=None):
        ckpt = self._ckpt()  # creates the directory now: an unwritable path fails before training
        self._batches_seen = 0
        if ckpt.latest_step() is not None:
            ckpt.restore(self.model, resume=True)

    _needs_live_weights = False  # it saves the trainer's live state, not the model's variables

    def _save_every_n_batches(self, batch, logs=None):
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._ckpt().save(self.model)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._ckpt().save(self.model)

    def on_train_end(self, logs=None):
        ckpt = self._ckpt()
        ckpt.wait()
        if self.delete_checkpoint:
            ckpt.close()
            self._checkpointer = None
            shutil.rmtree(self.backup_dir, ignore_errors=True)
