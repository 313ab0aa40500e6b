"""Objects defined in the ``__main__`` script serialize with ``module: None``, as Keras 3 writes them
(the "serialization and saving" guide checks it), and load back through their registered name."""
import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json
    import numpy as np
    import fkeras as keras

    @keras.saving.register_keras_serializable(package="Mine")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor
        def call(self, x):
            return x * self.factor
        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @keras.saving.register_keras_serializable(package="Mine")
    def halve(x):
        return x / 2

    layer_config = keras.layers.serialize(Scale(3.0))
    fn_config = keras.saving.serialize_keras_object(halve)
    model = keras.Sequential([keras.Input((2,)), Scale(3.0), keras.layers.Activation(halve)])
    model.save("m.keras")
    loaded = keras.saving.load_model("m.keras")
    out = loaded(np.ones((1, 2), "float32"))
    print("RESULT" + json.dumps({"layer": layer_config, "fn": fn_config, "out": np.asarray(out).tolist()}))
''')


def test_main_script_objects_serialize_with_module_none_and_load_by_registered_name(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))[6:])
    assert result["layer"]["module"] is None
    assert result["layer"]["registered_name"] == "Mine>Scale"
    assert result["layer"]["class_name"] == "Scale"
    assert result["fn"]["module"] is None and result["fn"]["registered_name"] == "Mine>halve"
    assert result["out"] == [[1.5, 1.5]]


def test_library_objects_keep_their_public_module():
    import fkeras as keras

    assert keras.layers.serialize(keras.layers.Dense(2))["module"] == "keras.layers"
    assert keras.saving.serialize_keras_object(keras.regularizers.L1(0.1))["module"] == "keras.regularizers"
