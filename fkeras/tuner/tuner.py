"""``Tuner``: keras_tuner's search loop on an optuna study (ask/tell), stored in SQLite.

One optuna trial per tuner trial. ``build(hp)`` draws hyperparameters from the trial as it
declares them (define-by-run, so conditional spaces need nothing special); ``fit`` reports the
objective after every epoch, which drives optuna's pruners (``Hyperband``) and the per-trial
checkpoint of the best epoch's weights. The study lives in ``directory/project_name/study.db``:
a new tuner on the same folder continues it.
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import os
import shutil
import time
import traceback

from fkeras.callbacks.callback import Callback
from fkeras.tuner import objective as objective_lib
from fkeras.tuner.hypermodel import HyperModel, get_hypermodel
from fkeras.tuner.hyperparameters import HyperParameters, hyperparameter_to_config


def _import_optuna():
    try:
        import optuna
    except ImportError as e:
        raise ImportError("fkeras.tuner runs its searches on optuna, which is not installed. Install it with "
                          "`pip install optuna` (or `pip install fkeras[tuner]`).") from e
    return optuna


@contextlib.contextmanager
def _quiet_optuna(optuna):
    """optuna logs every finished trial at INFO level; the tuner prints its own summary."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


_CHECKPOINT = "checkpoint.weights.h5"


class Trial:
    """A finished or running trial, as ``tuner.oracle.get_best_trials()`` returns it."""

    def __init__(self, trial_id, number, hyperparameters, score, status, best_step=None, metrics=None):
        self.trial_id = trial_id
        self.number = number
        self.hyperparameters = hyperparameters
        self.score = score
        self.status = status
        self.best_step = best_step
        self.metrics = metrics or {}

    def __repr__(self):
        return f"Trial(trial_id={self.trial_id!r}, status={self.status!r}, score={self.score!r})"


class Oracle:
    """A read-only view of the study, with keras_tuner's ``oracle`` accessors."""

    def __init__(self, tuner):
        self._tuner = tuner

    @property
    def objective(self):
        return self._tuner.objective

    @property
    def max_trials(self):
        return self._tuner.max_trials

    @property
    def trials(self):
        return {t.trial_id: t for t in self._tuner._trials()}

    def get_best_trials(self, num_trials=1):
        return self._tuner._best_trials(num_trials)

    def get_space(self):
        return self._tuner._space_hp.copy()


class _TrialCallback(Callback):
    """Reads the objective from each epoch's logs: reports it to optuna, checkpoints the best epoch."""

    _needs_live_weights = False

    def __init__(self, tuner, trial, execution, state):
        super().__init__()
        self.tuner = tuner
        self.trial = trial
        self.execution = execution
        self.state = state  # shared across the trial's executions
        self.epoch_values = []

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        objective = self.tuner.objective
        if (self.state.get("sparse_validation") and not objective.has_value(logs)
                and not any(k.startswith("val_") for k in logs)):
            return  # fit(validation_freq=...) skipped validation this epoch
        value = objective.get_value(logs)  # a clear error on the first epoch if not logged
        self.epoch_values.append(value)
        if objective_lib.is_finite(value) and self.tuner.objective.better(value, self.state.get("best")):
            self.state["best"] = value
            self.state["best_step"] = epoch
            self.state["metrics"] = {k: float(v) for k, v in logs.items() if _is_number(v)}
            if self.tuner._save_checkpoints:
                try:
                    self.model.save_weights(self.tuner._checkpoint_path(self.trial))
                except Exception as e:  # noqa: BLE001 - a checkpoint failure must not end the search
                    logging.warning("fkeras.tuner: could not save the trial checkpoint: %s", e)
        if self.execution == 0 and self.tuner._prunes:
            if objective_lib.is_finite(value):
                self.trial.report(value, epoch + 1)  # the resource is the number of epochs trained
            epochs = (self.params or {}).get("epochs")
            last_epoch = epochs is not None and epoch + 1 >= epochs  # fully trained: it completes
            if not last_epoch and self.trial.should_prune():
                self.state["pruned"] = epoch
                self.model.stop_training = True


def _is_number(v):
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


class Tuner:
    """Base class of the tuners: runs trials, stores them, returns the best hyperparameters/models.

    Subclasses choose the optuna sampler (``_make_sampler``) and pruner (``_make_pruner``).
    ``sampler=`` / ``pruner=`` (optuna objects) override them.

    Args:
        hypermodel: a ``HyperModel``, or a function ``build_model(hp)`` returning a compiled model.
        objective: a logged metric name (``"val_loss"``, ``"val_accuracy"``: direction inferred),
            an ``Objective(name, direction)``, or a list of them (their sum is minimized).
            Defaults to ``"val_loss"``.
        max_trials: how many trials (finished or pruned) the search runs in total.
        executions_per_trial: models trained per trial; the trial's score is the mean of their
            best epochs.
        hyperparameters: a ``HyperParameters`` whose declarations override the hypermodel's
            (e.g. ``hp.Fixed("learning_rate", 1e-3)``).
        tune_new_entries: tune hyperparameters not in ``hyperparameters`` (else they take their defaults).
        allow_new_entries: allow the hypermodel to declare hyperparameters not in ``hyperparameters``.
        max_consecutive_failed_trials: stop with an error after this many trials fail in a row.
        directory, project_name: the search is stored in ``directory/project_name``.
        overwrite: start afresh, deleting ``directory/project_name``; otherwise an existing search
            there is resumed.
        seed: seed of the sampler.
        max_model_size: skip (fail) trials whose model has more parameters than this.
    """

    def __init__(self, hypermodel=None, objective=None, max_trials=10, executions_per_trial=1,
                 hyperparameters=None, tune_new_entries=True, allow_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, directory=None, project_name=None, overwrite=False, seed=None,
                 max_model_size=None, sampler=None, pruner=None, logger=None, tuner_id=None,
                 distribution_strategy=None, **kwargs):
        for legacy in ("optimizer", "loss", "metrics"):
            if kwargs.pop(legacy, None) is not None:
                raise ValueError(f"`{legacy}=` is not supported by fkeras.tuner: compile the model in build(hp).")
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments: {sorted(kwargs)}")
        self._optuna = _import_optuna()
        if hypermodel is None:
            raise ValueError(f"{type(self).__name__} needs a `hypermodel`: a HyperModel or a function "
                             "`build_model(hp)` returning a compiled model.")
        self.hypermodel = get_hypermodel(hypermodel)
        self.objective = objective_lib.standardize_objective(objective)
        if not isinstance(max_trials, int) or isinstance(max_trials, bool) or max_trials < 1:
            raise ValueError(f"`max_trials` must be a positive integer; received max_trials={max_trials!r}.")
        self.max_trials = max_trials
        if not isinstance(executions_per_trial, int) or executions_per_trial < 1:
            raise ValueError("`executions_per_trial` must be a positive integer; received "
                             f"executions_per_trial={executions_per_trial!r}.")
        self.executions_per_trial = executions_per_trial
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.max_model_size = max_model_size
        self.seed = seed
        self.tune_new_entries = tune_new_entries
        self.allow_new_entries = allow_new_entries
        self._given_hp = hyperparameters.copy() if hyperparameters is not None else None
        self._user_sampler = sampler
        self._user_pruner = pruner
        self.directory = os.fspath(directory) if directory is not None else "."
        self.project_name = project_name or "untitled_project"
        self.project_dir = os.path.join(self.directory, self.project_name)
        self._save_checkpoints = True
        self.tuner_id = tuner_id or "tuner0"
        self.logger = logger
        if overwrite and os.path.exists(self.project_dir):
            shutil.rmtree(self.project_dir)
        os.makedirs(self.project_dir, exist_ok=True)
        self._space_hp = self._new_hp()
        self._populate_initial_space()
        self.study = self._open_study()
        self.oracle = Oracle(self)

    # --- the study ------------------------------------------------------------------------
    @property
    def _prunes(self):
        return not isinstance(self.study.pruner, self._optuna.pruners.NopPruner)

    def _make_sampler(self, seed):
        return self._optuna.samplers.RandomSampler(seed=seed)

    def _make_pruner(self):
        return self._optuna.pruners.NopPruner()

    def _sampler_for_search(self):
        if self._user_sampler is not None:
            return self._user_sampler
        seed = self.seed
        if seed is not None:  # a resumed search draws new points, not the first trials' again
            seed = seed + len(self.study.trials)
        return self._make_sampler(seed)

    def _open_study(self):
        optuna = self._optuna
        path = os.path.abspath(os.path.join(self.project_dir, "study.db"))
        storage = optuna.storages.RDBStorage(f"sqlite:///{path}",
                                             engine_kwargs={"creator": lambda: _connect_sqlite(path)})
        direction = "minimize" if self.objective.direction == "min" else "maximize"
        objective_cfg = json.dumps(self.objective.get_config(), sort_keys=True)
        with _quiet_optuna(optuna):
            existing = optuna.study.get_all_study_names(storage)
            if self.project_name in existing:
                study = optuna.load_study(study_name=self.project_name, storage=storage,
                                          sampler=self._make_sampler(self.seed), pruner=self._make_pruner_final())
                stored = study.user_attrs.get("objective")
                if stored != objective_cfg or study.direction.name.lower() != direction:
                    raise ValueError(
                        f"The search stored in {self.project_dir!r} optimizes {stored}, but this tuner's objective "
                        f"is {self.objective!r}. Pass overwrite=True to start afresh, or use another "
                        "`project_name` / `directory`."
                    )
            else:
                study = optuna.create_study(storage=storage, study_name=self.project_name, direction=direction,
                                            sampler=self._make_sampler(self.seed), pruner=self._make_pruner_final())
                study.set_user_attr("objective", objective_cfg)
                study.set_user_attr("tuner", type(self).__name__)
        done = len([t for t in study.get_trials(deepcopy=False) if t.state.is_finished()])
        if done:
            print(f"Reloading the search from {self.project_dir} ({done} trial(s) stored); "
                  "pass overwrite=True to start afresh.")
        return study

    def _make_pruner_final(self):
        return self._user_pruner if self._user_pruner is not None else self._make_pruner()

    def _trial_id(self, number):
        width = len(str(max((self.max_trials or 1) - 1, number, 1)))
        return f"{number:0{max(width, 2)}d}"

    def _trial_dir(self, trial):
        number = trial if isinstance(trial, int) else trial.number
        return os.path.join(self.project_dir, f"trial_{self._trial_id(number)}")

    def _checkpoint_path(self, trial):
        folder = self._trial_dir(trial)
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, _CHECKPOINT)

    # --- hyperparameters --------------------------------------------------------------------
    def _new_hp(self, trial=None, values=None):
        hp = HyperParameters()
        hp._trial = trial
        if self._given_hp is not None:
            hp._overrides = {h.name: h for h in self._given_hp.space}
            hp._tune_new = self.tune_new_entries
            hp._allow_new = self.allow_new_entries
        if values:
            hp._values.update(values)
        return hp

    def _populate_initial_space(self):
        """Build once with default values: declares the space (and checks it) before any training."""
        hp = self._space_hp
        self.hypermodel.declare_hyperparameters(hp)
        self._build(hp)

    def _record_space(self, hp):
        for h in hp.space:
            self._space_hp._space.setdefault(h.name, h)

    def _build(self, hp):
        from fkeras.utils import naming

        naming.reset_uids()  # the same layer names in every trial (checkpoints load by name)
        model = self.hypermodel.build(hp)
        if model is None:
            raise ValueError("The hypermodel's build(hp) returned None; it must return a compiled model.")
        self._record_space(hp)
        return model

    # --- search -----------------------------------------------------------------------------
    def _finished_trials(self):
        states = self._optuna.trial.TrialState
        return [t for t in self.study.get_trials(deepcopy=False) if t.state in (states.COMPLETE, states.PRUNED)]

    def _resume_interrupted(self):
        """Trials left RUNNING by an interrupted search are failed and queued to run again."""
        states = self._optuna.trial.TrialState
        for t in self.study.get_trials(deepcopy=False, states=(states.RUNNING,)):
            self.study.tell(t.number, state=states.FAIL, skip_if_finished=True)
            self.study.enqueue_trial(t.params, user_attrs={"rerun_of": t.number})

    def _check_before_training(self, fit_args, fit_kwargs):
        if type(self.hypermodel).fit is not HyperModel.fit:
            return  # a custom fit may make its own validation data
        names = self.objective.names
        has_val = fit_kwargs.get("validation_data") is not None or bool(fit_kwargs.get("validation_split"))
        missing = [n for n in names if n.startswith("val_")]
        if missing and not has_val:
            raise ValueError(
                f"The tuner's objective {missing[0]!r} is a validation metric, but search() got neither "
                "`validation_data` nor `validation_split`, so no 'val_' metrics would be logged. Pass "
                f"validation_data=(x_val, y_val) or validation_split=0.2, or use objective={missing[0][4:]!r}."
            )

    def search(self, *fit_args, **fit_kwargs):
        """Run trials until ``max_trials`` have finished; takes ``model.fit``'s arguments.

        Example:
            tuner.search(x, y, epochs=5, validation_data=(x_val, y_val),
                         callbacks=[keras.callbacks.EarlyStopping(patience=2)])
        """
        optuna = self._optuna
        self._check_before_training(fit_args, fit_kwargs)
        fit_kwargs = self._prepare_fit_kwargs(dict(fit_kwargs))
        verbose = fit_kwargs.get("verbose", 1)
        verbose = 1 if verbose == "auto" else verbose
        failures = 0
        search_start = time.time()
        with _quiet_optuna(optuna):
            self._resume_interrupted()
            self.study.sampler = self._sampler_for_search()
            self.study.pruner = self._make_pruner_final()
            while len(self._finished_trials()) < self.max_trials:
                trial = self.study.ask()
                start = time.time()
                if verbose:
                    print(f"\nSearch: Running Trial #{trial.number + 1}")
                try:
                    state, score, info = self._run_trial(trial, fit_args, fit_kwargs)
                except objective_lib.ObjectiveNotLoggedError:
                    self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    raise
                except Exception as e:  # noqa: BLE001 - a failed trial is recorded; the search goes on
                    self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    failures += 1
                    text = traceback.format_exc()
                    trial_text = f"Trial #{trial.number + 1} failed: {type(e).__name__}: {e}"
                    if verbose:
                        print(trial_text)
                    if failures >= self.max_consecutive_failed_trials:
                        raise RuntimeError(
                            f"{failures} consecutive trials failed (max_consecutive_failed_trials="
                            f"{self.max_consecutive_failed_trials}). The last error:\n{text}") from e
                    continue
                failures = 0
                if state == "pruned":
                    self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                elif state == "failed":
                    self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    self.study.tell(trial, score)
                if verbose:
                    self._print_trial_end(trial.number, state, score, info, time.time() - start,
                                          time.time() - search_start)

    def _prepare_fit_kwargs(self, fit_kwargs):
        return fit_kwargs

    def _run_trial(self, trial, fit_args, fit_kwargs):
        hp = self._new_hp(trial)
        state = {"best": None, "sparse_validation": fit_kwargs.get("validation_freq", 1) != 1}
        scores = []
        user_callbacks = fit_kwargs.get("callbacks") or []
        for execution in range(self.executions_per_trial):
            model = self._build(hp)
            if execution == 0:
                trial.set_user_attr("hp_values", dict(hp.values))
                if self.max_model_size is not None and model.count_params() > self.max_model_size:
                    return "failed", None, {"reason": f"{model.count_params()} parameters > max_model_size"}
            callback = _TrialCallback(self, trial, execution, state)
            kwargs = dict(fit_kwargs)
            kwargs["callbacks"] = _copy_callbacks(user_callbacks) + [callback]
            result = self.hypermodel.fit(hp, model, *fit_args, **kwargs)
            self._record_space(hp)  # fit(hp, ...) may declare hyperparameters too
            trial.set_user_attr("hp_values", dict(hp.values))
            if execution == 0:
                build_config = model.get_build_config() if hasattr(model, "get_build_config") else None
                if build_config is not None:
                    trial.set_user_attr("build_config", build_config)
            if "pruned" in state:
                trial.set_user_attr("pruned_at_epoch", state["pruned"])
                return "pruned", None, {"epochs": state["pruned"] + 1}
            scores.append(self._execution_score(result, callback, state))
        score = float(sum(scores) / len(scores))
        trial.set_user_attr("best_step", state.get("best_step"))
        trial.set_user_attr("metrics", state.get("metrics", {}))
        return "completed", score, {"hp": dict(hp.values)}

    def _execution_score(self, result, callback, state):
        """The best epoch's objective (keras_tuner's rule), from the callback or what fit returned."""
        objective = self.objective
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            return float(result)
        if isinstance(result, dict):
            value = objective.get_value(result)
            if objective.better(value, state.get("best")):
                state["best"] = value
            return value
        values = callback.epoch_values
        if not values and hasattr(result, "history"):  # a custom fit that dropped the callbacks
            history = result.history
            epochs = len(next(iter(history.values()), []))
            values = [objective.get_value({k: v[i] for k, v in history.items()}) for i in range(epochs)]
        if not values:
            raise ValueError("The trial's fit ran no epoch, so the objective has no value. A custom "
                             "HyperModel.fit must return the History, a dict of metrics, or the objective value.")
        finite = [v for v in values if objective_lib.is_finite(v)]
        if not finite:
            return float("nan")
        return min(finite) if objective.direction == "min" else max(finite)

    def _print_trial_end(self, number, state, score, info, seconds, total_seconds):
        print(f"Trial {number + 1} {'Complete' if state == 'completed' else state.capitalize()} "
              f"[{_format_duration(seconds)}]")
        values = self.study.trials[number].user_attrs.get("hp_values", {})
        if values:
            print("Hyperparameters: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                                  for k, v in values.items()))
        if state == "completed":
            print(f"{self.objective.name}: {score:.6g}")
        elif "epochs" in info:
            print(f"pruned after {info['epochs']} epoch(s)")
        elif "reason" in info:
            print(f"skipped: {info['reason']}")
        best = self._best_trials(1)
        if best:
            print(f"\nBest {self.objective.name} So Far: {best[0].score:.6g}")
        done = len(self._finished_trials())
        print(f"Total elapsed time: {_format_duration(total_seconds)}; {done}/{self.max_trials} trials done")

    # --- results ------------------------------------------------------------------------------
    def _to_trial(self, t):
        states = self._optuna.trial.TrialState
        status = {states.COMPLETE: "COMPLETED", states.PRUNED: "STOPPED", states.FAIL: "FAILED",
                  states.RUNNING: "RUNNING", states.WAITING: "WAITING"}[t.state]
        hp = self._new_hp(values=t.user_attrs.get("hp_values", t.params))
        hp._space = {h.name: h for h in self._space_hp.space}
        hp._trial = None
        return Trial(self._trial_id(t.number), t.number, hp, t.value if t.state == states.COMPLETE else None,
                     status, best_step=t.user_attrs.get("best_step"), metrics=t.user_attrs.get("metrics"))

    def _trials(self):
        return [self._to_trial(t) for t in self.study.get_trials(deepcopy=False)]

    def _best_trials(self, num_trials):
        states = self._optuna.trial.TrialState
        done = [t for t in self.study.get_trials(deepcopy=False, states=(states.COMPLETE,))
                if t.value is not None and not math.isnan(t.value)]
        done.sort(key=lambda t: t.value, reverse=self.objective.direction == "max")
        return [self._to_trial(t) for t in done[:num_trials]]

    def get_best_hyperparameters(self, num_trials=1):
        """The ``HyperParameters`` of the ``num_trials`` best completed trials, best first."""
        return [t.hyperparameters for t in self._best_trials(num_trials)]

    def get_best_models(self, num_models=1):
        """The best trials' models, rebuilt and loaded with the weights of their best epoch."""
        models = []
        for t in self._best_trials(num_models):
            frozen = self.study.trials[t.number]
            model = self._build(t.hyperparameters.copy())
            build_config = frozen.user_attrs.get("build_config")
            if not getattr(model, "built", True) and build_config:
                model.build_from_config(build_config)
            path = os.path.join(self._trial_dir(t.number), _CHECKPOINT)
            if os.path.exists(path):
                model.load_weights(path)
            models.append(model)
        return models

    def results_summary(self, num_trials=10):
        """Print the best trials: hyperparameters and score."""
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(repr(self.objective))
        for t in self._best_trials(num_trials):
            print(f"\nTrial {t.trial_id} summary")
            print("Hyperparameters:")
            for name, value in t.hyperparameters.values.items():
                print(f"{name}: {value}")
            print(f"Score: {t.score}")
        counts = {}
        for t in self._trials():
            counts[t.status] = counts.get(t.status, 0) + 1
        if counts.get("STOPPED") or counts.get("FAILED"):
            print("\n" + ", ".join(f"{v} {k.lower()}" for k, v in sorted(counts.items())) + " trials in total")

    def search_space_summary(self, extended=False):
        """Print the declared hyperparameters and their ranges."""
        space = self._space_hp.space
        print("Search space summary")
        print(f"Default search space size: {len(space)}")
        for hp in space:
            print(f"{hp.name} ({type(hp).__name__})")
            print(hp._summary())

    def get_state(self):
        return {"objective": self.objective.get_config(), "max_trials": self.max_trials,
                "space": [hyperparameter_to_config(h) for h in self._space_hp.space]}

    @property
    def remaining_trials(self):
        if self.max_trials is None:
            return None
        return max(0, self.max_trials - len(self._finished_trials()))


def _connect_sqlite(path):
    """A SQLite connection in WAL mode without an fsync per commit (safe against a crash of the process)."""
    import sqlite3

    connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _copy_callbacks(callbacks):
    out = []
    for cb in callbacks:
        try:
            out.append(copy.deepcopy(cb))
        except Exception:  # noqa: BLE001 - callbacks holding files or locks are shared as they are
            out.append(cb)
    return out


def _format_duration(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600:02d}h {seconds % 3600 // 60:02d}m {seconds % 60:02d}s"


__all__ = ["Tuner", "Oracle", "Trial"]
