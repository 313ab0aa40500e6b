"""``TensorBoard``: event files for TensorBoard, written with tensorboardX (no TensorFlow)."""
from __future__ import annotations

import logging
import os
import time
import warnings

import numpy as np

from fkeras.callbacks import path_utils
from fkeras.callbacks.callback import Callback


def _import_tensorboardx():
    try:
        import tensorboardX
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback writes its event files with `tensorboardX`, which is not installed. "
            "Install it with `pip install tensorboardX` (or `pip install fkeras[tensorboard]`)."
        ) from e
    return tensorboardX


def _is_scalar(v):
    return np.ndim(v) == 0 and np.issubdtype(np.asarray(v).dtype, np.number)


class TensorBoard(Callback):
    """Write TensorBoard logs: metrics, learning rate, weight histograms, model config, profiles.

    The layout is Keras's: ``log_dir/train`` and ``log_dir/validation`` runs; epoch scalars
    are tagged ``epoch_<name>`` (``epoch_loss``, ``epoch_accuracy``, ``epoch_learning_rate``;
    validation metrics lose their ``val_`` prefix in the ``validation`` run), batch scalars
    ``batch_<name>``, weight histograms ``<weight path>/histogram``. Event files are written
    with ``tensorboardX``; view them with ``tensorboard --logdir=log_dir``.

    Args:
        log_dir: directory to write into (created if needed; checked at ``on_train_begin``).
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the model's config (TensorBoard's "Keras model" graph view).
        write_images: with histograms, also write 1-D/2-D/conv kernels as images.
        write_steps_per_second: log training steps per second.
        update_freq: ``"epoch"``, ``"batch"`` (= 1) or N: also write batch-level scalars every
            N batches (a device-to-host transfer each time they are written).
        profile_batch: a batch number (counted from 1 across the run), or ``(start, stop)``,
            to capture a JAX profiler trace into ``log_dir/train`` (0: off).
        embeddings_freq: write ``Embedding`` layers' matrices for the projector every this
            many epochs (0: never).
        embeddings_metadata: a metadata file (one label per row) for all embedding layers, or
            a dict ``{layer_name: file}``.

    Example:
        tensorboard = keras.callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
        model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[tensorboard])
        # then: tensorboard --logdir ./logs
    """

    _needs_live_weights = False  # reads logs only, never the model's weights per batch

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._tbx = _import_tensorboardx()
        self.log_dir = os.fspath(log_dir)
        for name, value in (("histogram_freq", histogram_freq), ("embeddings_freq", embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"TensorBoard: `{name}` must be a non-negative integer; received {value!r}.")
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, (int, np.integer))
                                       or update_freq < 1):
            raise ValueError(
                f"TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer; received {update_freq!r}.")
        self.update_freq = update_freq
        self.embeddings_freq = int(embeddings_freq)
        self.embeddings_metadata = embeddings_metadata
        self._init_profile_batch(profile_batch)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = None
        self._last_batch_log = None
        self._writers = {}
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        if self.update_freq != "epoch" or self._should_trace:
            # Batch hooks are installed only when needed (each one costs the trainer a host sync).
            self.on_train_batch_begin = self._on_train_batch_begin
            self.on_train_batch_end = self._on_train_batch_end

    def _init_profile_batch(self, profile_batch):
        message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive "
                   f"integers signifies a range of batches to profile. Found: {profile_batch!r}")
        if isinstance(profile_batch, str):
            try:
                profile_batch = [int(p) for p in profile_batch.split(",")]
            except ValueError:
                raise ValueError(message) from None
            if len(profile_batch) == 1:
                profile_batch = profile_batch[0]
        if isinstance(profile_batch, (int, np.integer)) and not isinstance(profile_batch, bool):
            start = stop = int(profile_batch)
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2 and all(
                isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in profile_batch):
            start, stop = (int(p) for p in profile_batch)
        else:
            raise ValueError(message)
        if start < 0 or stop < start:
            raise ValueError(message)
        self._start_batch, self._stop_batch = start, stop
        self._should_trace = not (start == 0 and stop == 0)
        self._profiler_started = False
        self._is_tracing = False
        self._batch_trace_context = None

    # --- writers ---------------------------------------------------------------------------
    def _writer(self, key):
        w = self._writers.get(key)
        if w is None:
            d = self._train_dir if key == "train" else self._val_dir
            path_utils.ensure_writable_dir(d, "TensorBoard", "log_dir")
            w = self._tbx.SummaryWriter(logdir=d, flush_secs=30)
            self._writers[key] = w
        return w

    @property
    def _train_writer(self):
        return self._writer("train")

    @property
    def _val_writer(self):
        return self._writer("val")

    def _close_writers(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}

    # --- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        path_utils.ensure_writable_dir(self.log_dir, "TensorBoard", "log_dir")
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._last_batch_log = None
        self._check_embeddings_metadata()
        writer = self._train_writer  # created now: a bad log_dir fails before the first step
        if self.write_graph:
            self._write_keras_model_summary(writer)

    def on_train_end(self, logs=None):
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = int(optimizer.iterations)
        writer = self._val_writer
        for name, value in logs.items():
            if _is_scalar(value):
                writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), step)
        writer.flush()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for w in self._writers.values():
            w.flush()

    def _on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self._last_batch_log is None:
            self._last_batch_log = (0, time.time())
        if not self._should_trace:
            return
        if self._global_train_batch == self._start_batch:
            self._start_trace()
        if self._profiler_started:
            import jax

            self._batch_trace_context = jax.profiler.TraceAnnotation(f"Profiled batch {batch}")
            self._batch_trace_context.__enter__()

    def _on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0 and logs is not None:
            writer = self._train_writer
            values = {k: v for k, v in dict(logs).items() if _is_scalar(v)}  # one transfer (and sync)
            for name, value in values.items():
                writer.add_scalar("batch_" + name, float(value), step)
            if self.write_steps_per_second:
                last_step, last_time = self._last_batch_log
                elapsed = time.time() - last_time
                if elapsed > 0:
                    writer.add_scalar("batch_steps_per_second", (step - last_step) / elapsed, step)
            self._last_batch_log = (step, time.time())
        if not self._should_trace or not self._is_tracing:
            return
        if self._batch_trace_context is not None:
            self._batch_trace_context.__exit__(None, None, None)
            self._batch_trace_context = None
        if step >= self._stop_batch:
            if logs is not None:
                dict(logs)  # wait for the profiled step to finish before closing the trace
            self._stop_trace()

    # --- profiling -------------------------------------------------------------------------
    def _start_trace(self):
        if self._profiler_started:
            return
        try:
            import jax

            path_utils.ensure_writable_dir(self._train_dir, "TensorBoard", "log_dir")
            jax.profiler.start_trace(self._train_dir)
            self._profiler_started = True
            self._is_tracing = True
        except Exception as e:  # profiler errors must not stop training
            logging.error("Failed to start profiler: %s", e)

    def _stop_trace(self):
        if self._batch_trace_context is not None:
            self._batch_trace_context.__exit__(None, None, None)
            self._batch_trace_context = None
        if self._profiler_started:
            try:
                import jax

                jax.profiler.stop_trace()
            except Exception as e:
                logging.error("Failed to stop profiler: %s", e)
            finally:
                self._profiler_started = False
        self._is_tracing = False

    # --- epoch summaries -------------------------------------------------------------------
    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return int(getattr(optimizer, "iterations", 0) or 0)

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            try:
                train_logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
            except (TypeError, ValueError):
                pass
        if self.write_steps_per_second and self._epoch_start_time is not None:
            elapsed = time.time() - self._epoch_start_time
            if elapsed > 0:
                train_logs["steps_per_second"] = (self._iterations() - self._previous_epoch_iterations) / elapsed
        for key, values in (("train", train_logs), ("val", val_logs)):
            values = {k: v for k, v in values.items() if _is_scalar(v)}
            if values:
                writer = self._writer(key)
                for name, value in values.items():
                    writer.add_scalar("epoch_" + name, float(value), epoch)

    def _log_weights(self, epoch):
        writer = self._train_writer
        seen = set()
        for weight in self.model.weights:
            if id(weight) in seen:
                continue
            seen.add(id(weight))
            name = str(getattr(weight, "path", None) or weight.name).replace(":", "_")
            value = np.asarray(weight)
            if value.size == 0 or not np.issubdtype(value.dtype, np.number):
                continue
            writer.add_histogram(f"{name}/histogram", value.astype(np.float64), epoch)
            if self.write_images:
                self._log_weight_as_image(writer, value, f"{name}/image", epoch)

    @staticmethod
    def _log_weight_as_image(writer, w, tag, epoch):
        """Kernels as images, as Keras lays them out (bias: 1 x n; dense: rows x cols; conv: one per filter)."""
        from fkeras.backend import config

        w = np.squeeze(np.asarray(w, np.float32))
        if w.ndim == 1:
            img = w.reshape(1, 1, w.shape[0], 1)
        elif w.ndim == 2:
            if w.shape[0] > w.shape[1]:
                w = w.T
            img = w.reshape(1, w.shape[0], w.shape[1], 1)
        elif w.ndim == 3:
            if config.image_data_format() == "channels_last":
                w = np.transpose(w, (2, 0, 1))
            img = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
        else:
            return  # 3-D convolutions etc. have no image layout
        lo, hi = float(img.min()), float(img.max())
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        writer.add_images(tag, img, epoch, dataformats="NHWC")

    def _write_keras_model_summary(self, writer):
        """The model's JSON config under the ``keras`` tag (TensorBoard's Keras conceptual graph)."""
        try:
            json_string = self.model.to_json()
        except Exception as exc:  # a model that cannot serialize must not break training
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=3)
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", string_val=[json_string.encode("utf-8")],
                             tensor_shape=TensorShapeProto())
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer._get_file_writer().add_summary(summary, 0)

    # --- embeddings ------------------------------------------------------------------------
    def _embedding_layers(self):
        out, stack = [], list(getattr(self.model, "layers", []))
        while stack:
            layer = stack.pop(0)
            if type(layer).__name__ == "Embedding" or (hasattr(layer, "embeddings") and hasattr(layer, "input_dim")):
                out.append(layer)
            stack.extend(getattr(layer, "layers", []) or [])
        return out

    def _check_embeddings_metadata(self):
        if not self.embeddings_freq or not isinstance(self.embeddings_metadata, dict):
            return
        names = {layer.name for layer in self._embedding_layers()}
        unknown = sorted(set(self.embeddings_metadata) - names)
        if unknown:
            raise ValueError(
                "Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                f"`embeddings_metadata` argument: {unknown}. Embedding layers in the model: {sorted(names)}.")

    def _metadata_for(self, layer, rows):
        meta = self.embeddings_metadata
        path = meta if isinstance(meta, (str, os.PathLike)) else (meta or {}).get(layer.name)
        if path is None:
            return None
        try:
            with open(path, encoding="utf-8") as f:
                labels = [line.rstrip("\n") for line in f]
        except OSError as e:
            warnings.warn(f"TensorBoard: cannot read embeddings metadata {path!r}: {e}", stacklevel=3)
            return None
        if labels and labels[-1] == "":
            labels = labels[:-1]
        if len(labels) != rows:
            warnings.warn(f"TensorBoard: embeddings metadata {path!r} has {len(labels)} rows but layer "
                          f"{layer.name!r} has {rows}; writing the embeddings without labels.", stacklevel=3)
            return None
        return labels

    def _log_embeddings(self, epoch):
        writer = self._train_writer
        for layer in self._embedding_layers():
            mat = np.asarray(layer.embeddings, np.float32)
            mat = mat.reshape(mat.shape[0], -1)
            writer.add_embedding(mat, metadata=self._metadata_for(layer, mat.shape[0]), global_step=epoch,
                                 tag=layer.name)
