"""The tuners: ``RandomSearch``, ``BayesianOptimization`` (optuna's TPE), ``Hyperband`` (optuna's HyperbandPruner)."""
from __future__ import annotations

import math

from fkeras.tuner.tuner import Tuner


class RandomSearch(Tuner):
    """Try hyperparameters drawn at random.

    Example:
        tuner = RandomSearch(build_model, objective="val_accuracy", max_trials=10,
                             directory="tuner_results", project_name="mnist")
        tuner.search(x, y, epochs=5, validation_data=(x_val, y_val))
        best_hp = tuner.get_best_hyperparameters(1)[0]
        model = tuner.hypermodel.build(best_hp)
    """

    def __init__(self, hypermodel=None, objective=None, max_trials=10, seed=None, hyperparameters=None,
                 tune_new_entries=True, allow_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, **kwargs):
        super().__init__(hypermodel=hypermodel, objective=objective, max_trials=max_trials, seed=seed,
                         hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                         allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials, **kwargs)


class BayesianOptimization(Tuner):
    """Model-based search: optuna's Tree-structured Parzen Estimator after ``num_initial_points`` random trials.

    ``alpha`` and ``beta`` (keras_tuner's Gaussian-process settings) are accepted and unused.

    Example:
        tuner = BayesianOptimization(build_model, objective="val_loss", max_trials=20, num_initial_points=5)
    """

    def __init__(self, hypermodel=None, objective=None, max_trials=10, num_initial_points=None, alpha=1e-4,
                 beta=2.6, seed=None, hyperparameters=None, tune_new_entries=True, allow_new_entries=True,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3, **kwargs):
        if num_initial_points is not None and (not isinstance(num_initial_points, int) or num_initial_points < 0):
            raise ValueError("`num_initial_points` must be a non-negative integer; received "
                             f"num_initial_points={num_initial_points!r}.")
        self.num_initial_points = num_initial_points
        self.alpha, self.beta = alpha, beta
        super().__init__(hypermodel=hypermodel, objective=objective, max_trials=max_trials, seed=seed,
                         hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                         allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials, **kwargs)

    def _make_sampler(self, seed):
        n = self.num_initial_points
        if n is None:  # keras_tuner: 3 times the dimension of the search space
            n = 3 * max(1, len(self._space_hp.space)) if hasattr(self, "_space_hp") else 10
        return self._optuna.samplers.TPESampler(n_startup_trials=n, seed=seed)


class Hyperband(Tuner):
    """Hyperband: many trials, most stopped after a few epochs (optuna's ``HyperbandPruner``, epochs as resource).

    Each trial trains for up to ``max_epochs`` epochs (``search``'s ``epochs`` is ignored, as in
    keras_tuner) and is pruned at the successive-halving rungs (1, ``factor``, ``factor**2``, ...
    epochs) when it is not among the best ``1/factor`` of its bracket. ``max_trials`` defaults to
    the number of configurations ``hyperband_iterations`` rounds of Hyperband try.

    Example:
        tuner = Hyperband(build_model, objective="val_accuracy", max_epochs=27, factor=3)
        tuner.search(x, y, validation_split=0.2)
    """

    def __init__(self, hypermodel=None, objective=None, max_epochs=100, factor=3, hyperband_iterations=1,
                 seed=None, hyperparameters=None, tune_new_entries=True, allow_new_entries=True,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3, max_trials=None, **kwargs):
        if not isinstance(max_epochs, int) or max_epochs < 1:
            raise ValueError(f"`max_epochs` must be a positive integer; received max_epochs={max_epochs!r}.")
        if not isinstance(factor, int) or factor < 2:
            raise ValueError(f"`factor` must be an integer >= 2; received factor={factor!r}.")
        if not isinstance(hyperband_iterations, int) or hyperband_iterations < 1:
            raise ValueError("`hyperband_iterations` must be a positive integer; received "
                             f"hyperband_iterations={hyperband_iterations!r}.")
        self.max_epochs = max_epochs
        self.factor = factor
        self.hyperband_iterations = hyperband_iterations
        if max_trials is None:
            max_trials = hyperband_iterations * _hyperband_configurations(max_epochs, factor)
        super().__init__(hypermodel=hypermodel, objective=objective, max_trials=max_trials, seed=seed,
                         hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                         allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials, **kwargs)

    def _make_pruner(self):
        return self._optuna.pruners.HyperbandPruner(min_resource=1, max_resource=self.max_epochs,
                                                    reduction_factor=self.factor)

    def _prepare_fit_kwargs(self, fit_kwargs):
        fit_kwargs["epochs"] = self.max_epochs
        fit_kwargs.pop("initial_epoch", None)
        return fit_kwargs


def _hyperband_configurations(max_epochs, factor):
    """How many configurations one Hyperband iteration starts (Li et al., 2018)."""
    s_max = int(math.floor(math.log(max_epochs) / math.log(factor) + 1e-9))
    return sum(int(math.ceil((s_max + 1) / (s + 1) * factor ** s)) for s in range(s_max + 1))
