"""Keras guide "Customizing what happens in `fit()` with JAX", section "Providing your own
evaluation step" (keras.io/guides/custom_train_step_in_jax/): a custom `test_step` for evaluate().

Changes from the guide: 256 samples instead of 1000.
Run with FKERAS_GUIDE_USE_KERAS=1 to use Keras 3 (JAX backend) instead of fkeras.
"""
# The guide's code is kept as its authors wrote it (zip() without strict=, bare expressions, ...).
# ruff: noqa: B905, B018, B007, F811
import os

import numpy as np

if os.environ.get("FKERAS_GUIDE_USE_KERAS") == "1":
    os.environ["KERAS_BACKEND"] = "jax"
    import keras
else:
    import fkeras as keras


class CustomModel(keras.Model):
    def test_step(self, state, data):
        # Unpack the data.
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        (
            trainable_variables,
            non_trainable_variables,
            metrics_variables,
        ) = state

        # Compute predictions and loss.
        y_pred, non_trainable_variables = self.stateless_call(
            trainable_variables,
            non_trainable_variables,
            x,
            training=False,
        )
        loss, (
            trainable_variables,
            non_trainable_variables,
            metrics_variables,
        ) = self.stateless_compute_loss(
            trainable_variables,
            non_trainable_variables,
            metrics_variables,
            x=x,
            y=y,
            y_pred=y_pred,
            sample_weight=sample_weight,
            training=False,
        )

        # Update metrics.
        new_metrics_vars = []
        logs = {}
        for metric in self.metrics:
            this_metric_vars = metrics_variables[
                len(new_metrics_vars) : len(new_metrics_vars) + len(metric.variables)
            ]
            if metric.name == "loss":
                this_metric_vars = metric.stateless_update_state(this_metric_vars, loss, sample_weight=sample_weight)
            else:
                this_metric_vars = metric.stateless_update_state(
                    this_metric_vars, y, y_pred, sample_weight=sample_weight
                )
            logs[metric.name] = metric.stateless_result(this_metric_vars)
            new_metrics_vars += this_metric_vars

        # Return metric logs and updated state variables.
        state = (
            trainable_variables,
            non_trainable_variables,
            new_metrics_vars,
        )
        return logs, state


# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(loss="mse", metrics=["mae"])

# Evaluate with our custom test_step
x = np.random.random((256, 32))
y = np.random.random((256, 1))
logs = model.evaluate(x, y, return_dict=True)
print(logs)

# The same numbers by hand: the model's MSE and MAE over the whole set.
y_pred = np.asarray(model.predict(x, verbose=0))
np.testing.assert_allclose(logs["loss"], np.mean((y_pred - y) ** 2), rtol=1e-4)
np.testing.assert_allclose(logs["mae"], np.mean(np.abs(y_pred - y)), rtol=1e-4)

print("guide OK")
