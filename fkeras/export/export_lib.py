"""``model.export`` and ``keras.export.ExportArchive``: inference artifacts that run without fkeras.

Two formats:

- ``"jax"``: a folder of ``jax.export`` artifacts (StableHLO plus its calling convention), one
  file per endpoint, which any JAX program loads with ``jax.export.deserialize`` and calls with
  ``.call`` -- no fkeras (and no Python model code) needed. The batch axis (and any other axis
  given as ``None``) is symbolic, so one artifact serves every batch size. By default the
  variables are baked into the program as constants (``embed_variables=True``): the endpoint
  file is self-contained. With ``embed_variables=False`` the variables are written to
  ``variables.npz`` (``arr_0``, ``arr_1``, ... in ``fkeras_export.json``'s order) and every
  endpoint takes that list as its first argument, which keeps the program small and lets new
  weights be swapped in without re-exporting. Layout::

      path/fkeras_export.json        # endpoints, their signatures, variable names
      path/<endpoint>.jax_exported   # jax.export.Exported.serialize() bytes
      path/variables.npz             # only with embed_variables=False
      path/<collection>.npz          # add_variable_collection()

  Loading, in a process without fkeras::

      exported = jax.export.deserialize(bytearray(open("path/serve.jax_exported", "rb").read()))
      y = exported.call(x)

- ``"tf_saved_model"`` (Keras's default): a TensorFlow SavedModel built with ``jax2tf``; it needs
  TensorFlow installed and is then loaded with ``tf.saved_model.load``.

Every artifact is written into a temporary folder next to the target and renamed into place, so
a reader never sees a half-written export. Endpoints are pure functions of their inputs: a
function that updates variables (BatchNormalization statistics in training mode, say) is
refused, and one that needs random numbers fails, as the artifact holds no state.
"""
from __future__ import annotations

import json
import os

import jax
import numpy as np

from fkeras._version import __version__ as fkeras_version
from fkeras.engine.layer import Layer
from fkeras.engine.variables import BindingScope, Variable
from fkeras.export import export_utils

DEFAULT_ENDPOINT_NAME = "serve"
METADATA_FILE = "fkeras_export.json"
ENDPOINT_SUFFIX = ".jax_exported"
SUPPORTED_FORMATS = ("tf_saved_model", "jax")
_KERAS_ONLY_FORMATS = ("onnx", "openvino", "litert", "torch")
_ARCHIVE_FORMATS = {"saved_model": "saved_model", "tf_saved_model": "saved_model", "jax": "jax"}
_RESERVED_NAMES = ("variables", "trainable_variables", "non_trainable_variables", "fkeras_export")


def _unsupported_format(fmt, supported):
    extra = ""
    if fmt in _KERAS_ONLY_FORMATS + ("neptune_model",):
        extra = f" Keras 3 exports {fmt!r} from its own backends; fkeras does not write this format."
    return ValueError(f"Unrecognized format={fmt!r}. Supported formats are: {list(supported)}.{extra}")


def _require_flatbuffers():
    try:
        import flatbuffers  # noqa: F401  (jax.export's serializer needs it)
    except ImportError as e:
        raise ImportError("Exporting with format='jax' needs the 'flatbuffers' package, which jax.export uses to "
                          "serialize programs: `pip install flatbuffers`.") from e


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
    """Export ``model``'s inference forward pass as an artifact (``model.export``'s implementation).

    Args:
        model: A built ``keras.Model``.
        filepath: Folder to write (replaced atomically if it exists).
        format: ``"tf_saved_model"`` (Keras's default; needs TensorFlow) or ``"jax"`` (a
            ``jax.export`` artifact; see this module's docstring for the layout and loading).
        verbose: Whether to print the endpoints written; ``None`` means True.
        input_signature: Shapes and dtypes of the model's inputs (a list with one structure of
            ``keras.InputSpec`` / ``KerasTensor`` / arrays per positional argument); ``None`` takes
            them from the model.
        **kwargs: ``embed_variables`` and ``platforms`` (format ``"jax"``), ``is_static`` and
            ``jax2tf_kwargs`` (format ``"tf_saved_model"``).

    Returns:
        The ``ExportArchive`` that wrote the artifact.
    """
    if format not in SUPPORTED_FORMATS:
        raise _unsupported_format(format, SUPPORTED_FORMATS)
    if input_signature is None:
        input_signature = export_utils.get_input_signature(model)
    archive_kwargs = {}
    if "embed_variables" in kwargs:
        archive_kwargs["embed_variables"] = kwargs.pop("embed_variables")
    archive = ExportArchive(format=format, **archive_kwargs)
    archive.track_and_add_endpoint(DEFAULT_ENDPOINT_NAME, model, input_signature, **kwargs)
    archive.write_out(filepath, verbose=True if verbose is None else bool(verbose))
    return archive


class _Endpoint:
    __slots__ = ("name", "signature", "exported", "function")

    def __init__(self, name, signature, exported=None, function=None):
        self.name = name
        self.signature = signature
        self.exported = exported
        self.function = function


class ExportArchive:
    """Collects serving endpoints of tracked layers/models and writes them as one artifact.

    The fkeras counterpart of ``keras.export.ExportArchive``: ``track`` the models whose
    variables the endpoints use, ``add_endpoint`` each function with its input signature, then
    ``write_out``. Variable values are read when a model is tracked (as Keras copies them into the
    artifact then).

    Args:
        format: ``"saved_model"`` (Keras's default; alias ``"tf_saved_model"``; needs TensorFlow)
            or ``"jax"`` (``jax.export`` artifacts that plain JAX loads; see
            :mod:`fkeras.export.export_lib`).
        embed_variables: Format ``"jax"`` only. True (default) bakes the variables into each
            endpoint as constants; False writes them to ``variables.npz`` and makes them each
            endpoint's first argument.

    Example:

    ```python
    archive = keras.export.ExportArchive(format="jax")
    archive.track(model)
    archive.add_endpoint("serve", model.call,
                         input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")])
    archive.add_endpoint("embed", lambda x: encoder(x),
                         input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")])
    archive.write_out("path/to/artifact")
    ```
    """

    def __init__(self, format="saved_model", embed_variables=True):
        if format not in _ARCHIVE_FORMATS:
            raise _unsupported_format(format, ("saved_model", "jax"))
        self.format = _ARCHIVE_FORMATS[format]
        if self.format == "jax":
            _require_flatbuffers()
            self._tf_writer = None
        else:
            if embed_variables is not True:
                raise ValueError("`embed_variables` applies to format='jax' only; a SavedModel stores its "
                                 "variables as TensorFlow variables.")
            from fkeras.export import saved_model

            self._tf_writer = saved_model.SavedModelWriter(saved_model.require_tensorflow())
        self.embed_variables = bool(embed_variables)
        self._variables = []
        self._values = {}
        self._endpoints = {}
        self._collections = {}

    # --- tracked state -----------------------------------------------------------------------
    @property
    def variables(self):
        """The tracked variables (trainable and non-trainable), in tracking order."""
        return list(self._variables)

    @property
    def trainable_variables(self):
        return [v for v in self._variables if v.trainable]

    @property
    def non_trainable_variables(self):
        return [v for v in self._variables if not v.trainable]

    def track(self, resource):
        """Track the variables of a layer or model, so endpoints may use them.

        Args:
            resource: A built ``keras.Layer`` or ``keras.Model``.
        """
        if not isinstance(resource, Layer):
            raise ValueError("Invalid resource type. Expected a Keras `Layer` or `Model` (fkeras has no TensorFlow "
                             f"resources to track). Received object {resource!r} of type {type(resource)}.")
        if not resource.built:
            raise ValueError(f"The layer provided ({resource.name!r}) has not yet been built. It must be built "
                             "before export.")
        new = [v for v in resource.weights if id(v) not in self._values]
        if new and self._endpoints and self.format == "jax" and not self.embed_variables:
            raise ValueError("With embed_variables=False every endpoint takes the full variable list, so track all "
                             "layers and models before the first add_endpoint().")
        for v in resource.weights:
            if id(v) not in self._values:
                self._variables.append(v)
                self._values[id(v)] = v.value
        if self._tf_writer is not None:
            self._tf_writer.track_variables(self._variables, self._values)

    # --- endpoints ----------------------------------------------------------------------------
    def _check_name(self, name, what):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{what} name must be a Python identifier (it becomes an attribute and a file name). "
                             f"Received: {name!r}")
        if name in self._endpoints or name in self._collections:
            raise ValueError(f"{what} name {name!r} is already taken.")
        if name in _RESERVED_NAMES:
            raise ValueError(f"{what} name {name!r} is reserved; choose another one.")

    def _stateless(self, name, fn):
        """``fn`` as a pure function ``(variable_values, *args) -> outputs`` over the tracked variables."""
        variables = list(self._variables)

        def pure(values, *args):
            bound = {id(v): a for v, a in zip(variables, values, strict=True)}
            scope = BindingScope(values=dict(bound), training=False)
            scope.variables = {id(v): v for v in variables}
            with scope:
                outputs = fn(*args)
            changed = [v.path for v in variables if scope.values[id(v)] is not bound[id(v)]]
            changed += [scope.variables[k].path for k in scope.values if k not in bound and k in scope.variables]
            if changed:
                raise ValueError(
                    f"Endpoint {name!r} updates variables {changed} (e.g. BatchNormalization statistics in training "
                    "mode, or a metric). An exported endpoint is a pure function of its inputs and keeps no "
                    "state: export an inference-mode function instead.")
            return outputs

        return pure

    def add_endpoint(self, name, fn, input_signature=None, **kwargs):
        """Register a serving endpoint.

        Args:
            name: Name of the endpoint (a Python identifier).
            fn: The function to export, e.g. ``model.call`` or ``lambda x: model(x, training=False)``.
                Its variables come from the tracked models (untracked variables are baked in as
                constants); it runs in inference mode unless it passes ``training`` itself.
            input_signature: A list with one entry per positional argument of ``fn``: a
                ``keras.InputSpec`` (or ``KerasTensor``, array, ``jax.ShapeDtypeStruct``, ``tf.TensorSpec``),
                or a list/dict of them for a structured argument. ``None`` dimensions become
                symbolic: the first axis is the shared ``batch`` dimension. Required.
            **kwargs: Format ``"jax"``: ``platforms``, the ``jax.export`` platforms to lower for
                (e.g. ``("cpu", "cuda")``; default the current backend). Format
                ``"saved_model"``: ``is_static`` (bake variables in as constants) and
                ``jax2tf_kwargs`` (passed to ``jax2tf.convert``).

        Returns:
            Format ``"jax"``: the ``jax.export.Exported`` program (call it with ``.call``; with
            ``embed_variables=False`` its first argument is the variable list). Format
            ``"saved_model"``: the ``tf.function`` that will be saved.
        """
        self._check_name(name, "Endpoint")
        if not callable(fn):
            raise TypeError(f"`fn` must be callable. Received: fn={fn!r}")
        signature = export_utils.standardize_signature(input_signature)
        pure = self._stateless(name, fn)
        if self.format == "saved_model":
            unknown = sorted(set(kwargs) - {"is_static", "jax2tf_kwargs"})
            if unknown:
                raise TypeError(f"add_endpoint() got unexpected keyword arguments {unknown} for format='saved_model' "
                                "(accepted: is_static, jax2tf_kwargs).")
            values = [self._values[id(v)] for v in self._variables]
            tf_fn = self._tf_writer.add_endpoint(name, pure, fn, signature, self._variables, values,
                                                 is_static=bool(kwargs.get("is_static", False)),
                                                 jax2tf_kwargs=kwargs.get("jax2tf_kwargs"))
            self._endpoints[name] = _Endpoint(name, signature, function=tf_fn)
            return tf_fn
        unknown = sorted(set(kwargs) - {"platforms"})
        if unknown:
            hint = " (`is_static` and `jax2tf_kwargs` are for format='saved_model')" if {
                "is_static", "jax2tf_kwargs"} & set(unknown) else ""
            raise TypeError(f"add_endpoint() got unexpected keyword arguments {unknown} for format='jax' (accepted: "
                            f"platforms){hint}.")
        exported = self._export_jax(name, pure, signature, kwargs.get("platforms"))
        self._endpoints[name] = _Endpoint(name, signature, exported=exported)
        return exported

    def _export_jax(self, name, pure, signature, platforms):
        args = export_utils.abstract_args(signature)
        if self.embed_variables:
            values = [self._values[id(v)] for v in self._variables]
            program = jax.jit(lambda *a: pure(values, *a))
        else:
            args = ([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in self._variables],) + tuple(args)
            program = jax.jit(pure)
        try:
            return jax.export.export(program, platforms=platforms)(*args)
        except Exception as e:
            if isinstance(e, ValueError) and "needs randomness" in str(e):
                raise ValueError(f"Endpoint {name!r} draws random numbers (a layer such as Dropout in training mode). "
                                 "An exported endpoint is deterministic and carries no random key: export the "
                                 f"inference-mode function (training=False). Details: {e}") from e
            if export_utils.has_unknown_dims(signature) and "symbolic" in str(e).lower():
                raise ValueError(
                    f"Could not export endpoint {name!r} with unknown (symbolic) dimensions in {signature}: {e}\n"
                    "Some operation needs a concrete size there; give those dimensions fixed sizes in "
                    "`input_signature`.") from e
            raise

    def track_and_add_endpoint(self, name, resource, input_signature=None, **kwargs):
        """``track(resource)``, then ``add_endpoint(name, resource.__call__, input_signature)``.

        Args:
            name: Name of the endpoint.
            resource: A built layer or model.
            input_signature: As for ``add_endpoint``.
            **kwargs: As for ``add_endpoint``.

        Returns:
            What ``add_endpoint`` returns.
        """
        self.track(resource)
        return self.add_endpoint(name, resource.__call__, input_signature, **kwargs)

    def add_variable_collection(self, name, variables):
        """Store the current values of ``variables`` in the artifact under ``name``.

        Format ``"jax"`` writes them to ``<name>.npz`` (``arr_0``, ``arr_1``, ... in the order given,
        their paths listed in ``fkeras_export.json``); a SavedModel gets a list of ``tf.Variable``
        attribute ``name``.

        Args:
            name: Name of the collection (a Python identifier).
            variables: A list, tuple or set of ``keras.Variable``.
        """
        if not isinstance(variables, (list, tuple, set)):
            raise ValueError(f"Expected `variables` to be a list/tuple/set. Received instead object of type "
                             f"{type(variables)}.")
        variables = list(variables)
        if not all(isinstance(v, Variable) for v in variables):
            raise ValueError("Expected all elements in `variables` to be `keras.Variable` instances. Found instead the "
                             f"following types: {sorted({type(v).__name__ for v in variables})}")
        self._check_name(name, "Variable collection")
        self._collections[name] = [(v.path, np.asarray(v.value)) for v in variables]
        if self._tf_writer is not None:
            self._tf_writer.add_variable_collection(name, variables)

    # --- writing ---------------------------------------------------------------------------------
    def write_out(self, filepath, options=None, verbose=True):
        """Write the artifact to the folder ``filepath`` (atomically replacing what is there).

        Args:
            filepath: ``str`` or ``pathlib.Path`` of the folder.
            options: Format ``"saved_model"`` only: a ``tf.saved_model.SaveOptions``.
            verbose: Whether to print the endpoints and their signatures.
        """
        if not self._endpoints:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        if self.format == "saved_model":
            with export_utils.atomic_directory(filepath) as tmp:
                self._tf_writer.write(tmp, list(self._endpoints), options)
        else:
            if options is not None:
                raise ValueError("`options` (tf.saved_model.SaveOptions) applies to format='saved_model' only.")
            with export_utils.atomic_directory(filepath) as tmp:
                self._write_jax(tmp)
        if verbose:
            print(f"Saved artifact at '{os.fspath(filepath)}'. The following endpoints are available:\n\n"
                  + "\n\n".join(self._describe(e) for e in self._endpoints.values()))

    def _write_jax(self, folder):
        meta = {"format": "jax", "format_version": 1, "jax_version": jax.__version__,
                "embed_variables": self.embed_variables, "endpoints": {}, "variable_collections": {}}
        meta["fkeras_version"] = fkeras_version
        for ep in self._endpoints.values():
            fname = ep.name + ENDPOINT_SUFFIX
            export_utils.write_file(os.path.join(folder, fname), bytes(ep.exported.serialize()))
            meta["endpoints"][ep.name] = {
                "file": fname,
                "platforms": list(ep.exported.platforms),
                "inputs": export_utils.describe(ep.exported.in_tree.unflatten(ep.exported.in_avals)),
                "outputs": export_utils.describe(ep.exported.out_tree.unflatten(ep.exported.out_avals)),
                "variables_first_argument": not self.embed_variables,
            }
        if not self.embed_variables:
            self._write_npz(os.path.join(folder, "variables.npz"), [np.asarray(self._values[id(v)])
                                                                    for v in self._variables])
            meta["variables"] = [{"path": v.path, "shape": list(v.shape), "dtype": v.dtype,
                                  "trainable": v.trainable} for v in self._variables]
        for name, items in self._collections.items():
            self._write_npz(os.path.join(folder, name + ".npz"), [a for _, a in items])
            meta["variable_collections"][name] = {"file": name + ".npz", "paths": [p for p, _ in items]}
        export_utils.write_file(os.path.join(folder, METADATA_FILE),
                                json.dumps(meta, indent=2).encode("utf-8"))

    @staticmethod
    def _write_npz(path, arrays):
        with open(path, "wb") as f:
            np.savez(f, *arrays)
            f.flush()
            os.fsync(f.fileno())

    def _describe(self, ep):
        if ep.exported is not None:
            args = ep.exported.in_tree.unflatten(ep.exported.in_avals)[0]
            outs = ep.exported.out_tree.unflatten(ep.exported.out_avals)
            return f"* Endpoint {ep.name!r}\n  Args: {args}\n  Outputs: {outs}"
        return f"* Endpoint {ep.name!r}\n  Args: {ep.signature}"

