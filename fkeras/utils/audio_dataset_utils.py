"""``keras.utils.audio_dataset_from_directory`` on the standard library's ``wave`` module.

Keras decodes with ``tf.audio.decode_wav`` and returns a ``tf.data.Dataset``; fkeras returns the
same :class:`~fkeras.utils.dataset_utils.DirectoryDataset` as ``image_dataset_from_directory``:
a ``PyDataset`` of numpy batches that ``model.fit`` consumes directly.
"""
from __future__ import annotations

import math
import wave

import numpy as np

from fkeras.utils import dataset_utils

__all__ = ["audio_dataset_from_directory", "read_wav"]

ALLOWED_FORMATS = (".wav",)


def read_wav(path, output_sequence_length=None, sampling_rate=None):
    """Decode a PCM ``.wav`` file into float32 samples in ``[-1, 1)``, shape ``(samples, channels)``.

    Integer PCM of 8 (unsigned), 16, 24 or 32 bits is scaled by ``2 ** (bits - 1)``, as
    ``tf.audio.decode_wav`` does for 16-bit files.

    Args:
        path: Path of the file.
        output_sequence_length: If given, the result is truncated or zero-padded to this many
            samples (after resampling).
        sampling_rate: If given and different from the file's rate, the audio is resampled to
            it with a polyphase filter (``scipy.signal.resample_poly``).

    Returns:
        A float32 numpy array ``(samples, channels)``.
    """
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate, count = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
            raw = f.readframes(count)
    except (wave.Error, EOFError) as e:
        raise ValueError(f"Could not decode {str(path)!r} as a PCM WAV file ({e}). Only integer PCM "
                         "(8, 16, 24 or 32 bits) is supported.") from e
    if width == 1:
        data = (np.frombuffer(raw, dtype=np.uint8).astype("float32") - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2").astype("float32") / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype("float32") / float(1 << 23)
    elif width == 4:
        data = (np.frombuffer(raw, dtype="<i4").astype("float64") / float(1 << 31)).astype("float32")
    else:
        raise ValueError(f"{str(path)!r}: unsupported sample width of {width} bytes.")
    data = data.reshape(-1, channels)
    if sampling_rate is not None and sampling_rate != rate:
        import scipy.signal

        g = math.gcd(int(sampling_rate), int(rate))
        data = scipy.signal.resample_poly(data, int(sampling_rate) // g, int(rate) // g, axis=0).astype("float32")
    if output_sequence_length is not None:
        data = data[:output_sequence_length]
        if len(data) < output_sequence_length:
            data = np.pad(data, ((0, output_sequence_length - len(data)), (0, 0)))
    return np.ascontiguousarray(data, dtype="float32")


def _pad_batch(items):
    """Stack ``(len_i, channels)`` clips, zero-padding each to the longest (``padded_batch``)."""
    longest = max(len(a) for a in items)
    return np.stack([np.pad(a, ((0, longest - len(a)), (0, 0))) for a in items])


def _ragged_batch(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None, follow_links=False, verbose=True):
    """A dataset of ``(audio, labels)`` batches from ``directory/<class>/*.wav``.

    Audio comes as float32 ``(batch, samples, channels)`` in ``[-1, 1)``: cut or zero-padded to
    ``output_sequence_length``, or, when that is None, zero-padded to the longest clip of each
    batch. Labels follow ``image_dataset_from_directory``: int32 ``(batch,)`` for ``"int"``,
    float32 one-hot ``(batch, num_classes)`` for ``"categorical"``, float32 ``(batch, 1)`` for
    ``"binary"``.

    Args:
        directory: Folder of the data: one sub-folder per class with ``labels="inferred"``,
            otherwise searched recursively for ``.wav`` files.
        labels: ``"inferred"`` (from the sub-folders), ``None`` (audio only), or a list/tuple of
            integer labels, one per file in sorted path order.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None``.
        class_names: With ``labels="inferred"``, the sub-folders to use, in label order.
        batch_size: Clips per batch; ``None`` yields single clips ``(samples, channels)``.
        sampling_rate: If given (a positive int), every clip is resampled to this rate.
        output_sequence_length: If given, every clip is cut or zero-padded to this many samples.
        ragged: If True, each batch is a 1-D object array of clips of their own lengths (the
            stand-in for Keras's ragged tensors). Cannot be combined with
            ``output_sequence_length``.
        shuffle: Shuffle the files (and reshuffle every epoch). Defaults to True.
        seed: Seed for shuffling and the validation split.
        validation_split: Fraction of the files kept for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns ``[train, val]``).
        follow_links: Whether to follow symbolic links to sub-folders.
        verbose: Whether to print how many files and classes were found.

    Returns:
        A :class:`~fkeras.utils.dataset_utils.DirectoryDataset` (a ``keras.utils.PyDataset``) with
        ``class_names`` and ``file_paths``, or a list of two for ``subset="both"``.

    Example:

    ```python
    train, val = keras.utils.audio_dataset_from_directory(
        "speech_commands/", output_sequence_length=16000, validation_split=0.2,
        subset="both", seed=0)
    model.fit(train, validation_data=val, epochs=5)
    ```
    """
    labels, label_mode = dataset_utils._dataset_args(labels, label_mode, class_names)
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`. Received: ragged=True, "
                         f"output_sequence_length={output_sequence_length}")
    if output_sequence_length is not None and (isinstance(output_sequence_length, bool) or not isinstance(
            output_sequence_length, (int, np.integer)) or output_sequence_length <= 0):
        raise ValueError("`output_sequence_length` must be a positive integer or None. Received: "
                         f"output_sequence_length={output_sequence_length!r}")
    if sampling_rate is not None:
        if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, (int, np.integer)):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate!r}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = dataset_utils.index_directory(
        directory, labels, ALLOWED_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose, what="audio files")
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")

    def load(path):
        return read_wav(path, output_sequence_length=output_sequence_length, sampling_rate=sampling_rate)

    collate = _ragged_batch if ragged else _pad_batch
    return dataset_utils._build(paths, labels, load, collate, label_mode, class_names, batch_size, shuffle, seed,
                                validation_split, subset, directory, "audio files", verbose)
