"""Interrupted time series: :func:`its` (public through :mod:`cslib.stats.impact`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, choice, frame_html, no_missing, numeric_column
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._its_design import _response, _seasonal_terms, _time_axis
from cslib.stats.impact._its_errors import _Inference, ar1_gaussian, ar1_glm, check_glm
from cslib.stats.impact._notes import _caught

if TYPE_CHECKING:
    from scipy import stats
    from statsmodels.genmod import families, generalized_linear_model
    from statsmodels.regression import linear_model
else:
    # the models themselves, not all of statsmodels.api (a third of the import)
    families = lazy("statsmodels.genmod.families")
    generalized_linear_model = lazy("statsmodels.genmod.generalized_linear_model")
    linear_model = lazy("statsmodels.regression.linear_model")
    stats = lazy("scipy.stats")

FAMILIES = ("gaussian", "poisson", "quasipoisson", "binomial")
TERMS = ("level_change", "slope_change", "trend", "average_effect")
#: fewest points allowed on each side of the change
MIN_SIDE = 3


@dataclass(frozen=True)
class ItsResult:
    """Result of :func:`its`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term: ``level_change`` (jump at the change), ``slope_change``
        (change of slope per period), ``trend`` (pre-change slope per period) and
        ``average_effect`` (the mean effect over the points after the change:
        level change plus slope change at each of them). Columns ``term``,
        ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``scale``
        (``"ratio"`` for the log link — exponentiated rate ratios,
        ``"odds_ratio"`` for the binomial logit, ``"difference"`` otherwise),
        ``coef`` and ``se`` (on the model's linear scale), ``df`` (of the t interval;
        inf for a normal one), ``method``.
    sensitivity : pandas.DataFrame
        The same rows under the other error model, for comparison: Newey–West
        errors (with ⌊4 (N/100)^(2/9)⌋ lags) when the table has AR(1) errors,
        AR(1) errors when ``maxlags`` was given.
    fitted : pandas.DataFrame
        One row per point: ``time``, ``y``, ``post``, ``fitted``,
        ``counterfactual`` (the fit without the change, for plotting) and
        ``seasonal`` (the centred seasonal component on the linear-predictor
        scale; 0 without seasonality).
    family, method : str
        The model family and a description of the fit.
    n_before, n_after : int
        Points before and after the change.
    notes : tuple of str
        Things the reader should know (few points, a fit that did not converge…).
    """

    table: pd.DataFrame
    sensitivity: pd.DataFrame
    fitted: pd.DataFrame
    family: str
    method: str
    n_before: int
    n_after: int
    change: object
    seasonality: str | None
    notes: tuple[str, ...] = field(default=())

    @property
    def scale(self) -> str:
        """``"difference"``, ``"ratio"`` or ``"odds_ratio"``."""
        return str(self.table["scale"].iloc[0])

    def summary(self) -> pd.DataFrame:
        """One row: points, observed means, and the average effect with its CI.

        Returns
        -------
        pandas.DataFrame
            ``family``, ``n_before``, ``n_after``, ``before_mean``, ``after_mean``
            (observed), ``counterfactual_mean`` and ``fitted_mean`` (model, after
            the change), ``estimate``, ``ci_low``, ``ci_high``, ``p_value``,
            ``scale`` of the average effect, ``method``.
        """
        f = self.fitted
        post = f["post"].to_numpy()
        eff = self.table.set_index("term").loc["average_effect"]
        return pd.DataFrame(
            [
                {
                    "family": self.family,
                    "n_before": self.n_before,
                    "n_after": self.n_after,
                    "before_mean": float(f["y"][~post].mean()),
                    "after_mean": float(f["y"][post].mean()),
                    "counterfactual_mean": float(f["counterfactual"][post].mean()),
                    "fitted_mean": float(f["fitted"][post].mean()),
                    "estimate": float(eff["estimate"]),
                    "ci_low": float(eff["ci_low"]),
                    "ci_high": float(eff["ci_high"]),
                    "p_value": float(eff["p_value"]),
                    "scale": str(eff["scale"]),
                    "method": self.method,
                }
            ]
        )

    def _repr_html_(self) -> str:
        return frame_html(
            f"Interrupted time series ({self.n_before} points before, {self.n_after} after)",
            [("Effects", self.table), ("Sensitivity: the other error model", self.sensitivity)],
            [self.method, *self.notes],
        )


def its(
    data: pd.DataFrame,
    *,
    y: str,
    time: str,
    change: object,
    family: str = "gaussian",
    offset: str | None = None,
    seasonality: str | None = None,
    slope_change: bool = True,
    n: str | None = None,
    alpha: float = 0.05,
    maxlags: int | None = None,
) -> ItsResult:
    """Segmented regression of one series around a change.

    y_t = β0 + β1·t + β2·post_t + β3·(t − T0)·post_t (+ seasonality) + ε_t,
    with t counted in time steps and T0 the step of ``change``: calendar months
    (or quarters, years) on monthly (quarterly, yearly) dates, otherwise the
    smallest gap between time values. β2 is the level change, β3 the slope change.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per period (not modified).
    y : str
        The KPI column (counts for ``poisson``, successes or proportions for
        ``binomial``).
    time : str
        Period column: numbers or datetimes, one row each.
    change : scalar
        The first ``time`` value after the change went live.
    family : {"gaussian", "poisson", "quasipoisson", "binomial"}
        ``gaussian``: least squares. ``poisson``/``quasipoisson``: log-link
        GLM; effects are rate ratios. With the default errors both allow for
        over-dispersion; with ``maxlags=0`` ``quasipoisson`` scales by the
        Pearson χ² dispersion and ``poisson`` does not. ``binomial``: logit
        GLM with trials ``n``; effects are odds ratios.
    offset : str, optional
        Exposure column (e.g. tickets, open hours) for the log-link families;
        its log is the offset, so the model is of the rate y / exposure.
    seasonality : str, optional
        ``"dow"``: day-of-week dummies (datetime ``time``);
        ``"fourier:P:K"``: K sine/cosine pairs of period P time steps
        (e.g. ``"fourier:7:2"`` on daily data). On dates the terms follow the
        calendar: month of year on monthly data (``"fourier:12:2"``), week of
        year on weekly data (``"fourier:52:K"``, ISO weeks), day of week on
        daily data (``"fourier:7:K"``); a month-number axis and monthly dates
        give the same fit.
    slope_change : bool
        Include β3. Without it the ``slope_change`` row is empty.
    n : str, optional
        ``binomial`` only: the column of trials (denominators).
    alpha : float
        1 − confidence level.
    maxlags : int, optional
        The error model. Default (None): AR(1) errors — Prais–Winsten GLS for
        ``gaussian``, an AR(1)- and dispersion-aware covariance of the GLM
        otherwise, ρ by restricted maximum likelihood, t intervals with
        N − k − 1 df (:mod:`cslib.stats.impact._its_errors`); short
        autocorrelated series need this to keep the intervals' error rate.
        A number: Newey–West (HAC) errors with that many lags, ``0``:
        model-based errors, as published segmented regressions are often fitted.

    Returns
    -------
    ItsResult
        ``.table`` (``term``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``, ``scale``…), ``.sensitivity`` (the other error model), ``.fitted``
        (for plotting), ``.n_before``, ``.n_after``, ``.summary()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(40)
    >>> df = pd.DataFrame({"week": t, "aht": 10 + 0.05 * t - 2.0 * (t >= 20)
    ...                    + np.random.default_rng(1).normal(0, 0.3, 40)})
    >>> res = its(df, y="aht", time="week", change=20)
    >>> bool(res.table.set_index("term").loc["level_change", "ci_high"] < 0)
    True
    """
    choice(family, FAMILIES, "family")
    alpha = check_alpha(alpha)
    frame = _periods(data, y=y, time=time, family=family, offset=offset, n=n)
    tvals = frame[time]
    t, t0, post = _time_axis(tvals, change, time)
    yv = numeric_column(frame, y)
    n_before, n_after = int((~post).sum()), int(post.sum())
    if n_before < MIN_SIDE or n_after < MIN_SIDE:
        raise ParameterError(
            Problem(
                f"too few points around the change ({n_before} before, {n_after} after; "
                f"at least {MIN_SIDE} each, 8 or more recommended)",
                column=time,
                values=(change,),
                fix="use a longer series, or compare the two periods with compare()",
            )
        )
    X, season = _design(tvals, t, t0, post, slope_change, seasonality, time)
    lags = None if maxlags is None else int(maxlags)
    exposure, endog = _response(frame, yv, family, offset, n, y)
    notes: list[str] = []
    fit, inf, method = _fit(endog, X, family, exposure, lags, notes)
    scale = {"gaussian": "difference", "binomial": "odds_ratio"}.get(family, "ratio")
    post_steps = (t - t0)[post]
    table = _effects(inf, X, post_steps, alpha, scale, method, slope_change)
    # the other error model, for comparison: Newey–West with the usual lags, or AR(1) errors
    other = int(np.floor(4 * (len(t) / 100) ** (2 / 9))) if lags is None else None
    _, other_inf, other_method = _fit(endog, X, family, exposure, other, notes)
    sens = _effects(other_inf, X, post_steps, alpha, scale, other_method, slope_change)
    trials = frame[n].to_numpy(dtype=float) if family == "binomial" else None
    fitted_v, cf_v = _predictions(fit, X, family, exposure, trials)
    seasonal = np.zeros(len(t))
    if season.shape[1]:
        comp = season.to_numpy() @ np.asarray(fit.params[list(season.columns)], dtype=float)
        seasonal = comp - comp.mean()
    fitted = pd.DataFrame(
        {
            "time": tvals.to_numpy(),
            "y": yv,
            "post": post,
            "fitted": np.asarray(fitted_v),
            "counterfactual": np.asarray(cf_v),
            "seasonal": seasonal,
        }
    )
    if min(n_before, n_after) < 8:
        notes.append(f"only {min(n_before, n_after)} points on one side: estimates are fragile")
    return ItsResult(
        table=table,
        sensitivity=sens,
        fitted=fitted,
        family=family,
        method=method,
        n_before=n_before,
        n_after=n_after,
        change=change,
        seasonality=seasonality,
        notes=tuple(notes),
    )


def _periods(
    data: pd.DataFrame, *, y: str, time: str, family: str, offset: str | None, n: str | None
) -> pd.DataFrame:
    """The rows sorted by period, after checking the columns and that each period is one row."""
    check_frame(data, [y, time, offset, n], where="its")
    if offset is not None and family not in ("poisson", "quasipoisson"):
        raise ParameterError(
            Problem(
                "an exposure offset only applies to the poisson/quasipoisson families",
                column="offset",
                values=(offset,),
                fix="use family='poisson' (or 'quasipoisson'), or drop offset=",
            )
        )
    if family == "binomial" and n is None:
        raise ParameterError(
            Problem(
                "the binomial family needs the number of trials per period",
                column="n",
                fix="pass n='<column of denominators>' (e.g. tickets per day)",
            )
        )
    no_missing(data, time)
    frame = data.sort_values(time, kind="stable")
    tvals = frame[time]
    if tvals.duplicated().any():
        dup = tvals[tvals.duplicated()].unique()[:5]
        raise ParameterError(
            Problem(
                "more than one row per period",
                column=time,
                values=tuple(dup),
                fix="aggregate to one row per period first (e.g. with cslib.metrics.engine.compute)",
            )
        )
    return frame


def _design(
    tvals, t, t0, post, slope_change, seasonality, time
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regressors (constant, trend, level and slope change, seasonal terms) and the seasonal ones."""
    X = pd.DataFrame({"const": 1.0, "trend": t, "level_change": post.astype(float)})
    if slope_change:
        X["slope_change"] = (t - t0) * post
    season = _seasonal_terms(tvals, t, seasonality)
    X = pd.concat([X, season], axis=1)
    if X.shape[0] <= X.shape[1] + 1:
        raise ParameterError(
            Problem(
                f"too few points ({X.shape[0]}) for {X.shape[1]} model terms",
                column=time,
                fix="use a longer series or a simpler seasonality (fewer Fourier terms, none)",
            )
        )
    return X, season


def _predictions(fit, X, family, exposure, trials) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values, and the counterfactual: the same fit without the level and slope change."""
    cf = X.copy()
    cf["level_change"] = 0.0
    if "slope_change" in cf:
        cf["slope_change"] = 0.0
    if family == "binomial":
        return fit.predict(X) * trials, fit.predict(cf) * trials
    kw = {} if family == "gaussian" else {"offset": exposure}
    return np.asarray(fit.predict(X, **kw)), np.asarray(fit.predict(cf, **kw))


def _fit(endog, X, family, exposure, lags, notes):
    """The fit, its inference and its description: AR(1) errors without ``lags``, else
    Newey–West with ``lags`` lags (0: model-based); see :mod:`._its_errors`. Warnings of
    the fit become plain-words ``notes``."""
    with _caught(notes, "interrupted time series"):
        if family == "gaussian":
            return _fit_gaussian(endog, X, lags)
        fam = families.Binomial() if family == "binomial" else families.Poisson()
        model = generalized_linear_model.GLM(endog, X, family=fam, offset=exposure)
        what = "binomial GLM (logit)" if family == "binomial" else "Poisson GLM (log link)"
        if exposure is not None:
            what += " with log(exposure) offset"
        if lags is None:
            fit = model.fit()
            inf, rho = ar1_glm(fit, X)
            method = (
                f"{what}, errors allowing for AR(1) correlation (ρ = {rho:.2f} by restricted "
                "maximum likelihood) and over-dispersion; t intervals whose degrees of freedom "
                f"allow for the uncertainty of ρ (at most {inf.df:.0f})"
            )
        elif lags > 0:
            hac = {"maxlags": lags, "use_correction": True}
            fit = model.fit(cov_type="HAC", cov_kwds=hac, use_t=True)
            inf, method = _inference(fit), f"{what}, Newey–West (HAC, {lags} lags) errors"
        elif family == "quasipoisson":
            fit = model.fit(scale="X2")
            inf, method = _inference(fit), f"quasi-{what}, Pearson-scaled errors"
        else:
            fit = model.fit()
            inf, method = _inference(fit), f"{what}, model-based errors"
        check_glm(fit, family)
        return fit, inf, method


def _fit_gaussian(endog, X, lags):
    if lags is None:
        fit, inf, rho = ar1_gaussian(endog, X)
        return (
            fit,
            inf,
            (
                f"segmented regression with AR(1) errors (Prais–Winsten GLS, ρ = {rho:.2f} by "
                "restricted maximum likelihood); t intervals whose degrees of freedom allow for "
                f"the uncertainty of ρ (at most {inf.df:.0f})"
            ),
        )
    if lags > 0:
        hac = {"maxlags": lags, "use_correction": True}
        fit = linear_model.OLS(endog, X).fit(cov_type="HAC", cov_kwds=hac, use_t=True)
        return (
            fit,
            _inference(fit),
            f"OLS segmented regression, Newey–West (HAC, {lags} lags) errors",
        )
    fit = linear_model.OLS(endog, X).fit()
    return fit, _inference(fit), "OLS segmented regression, model-based errors"


def _inference(fit) -> _Inference:
    """A statsmodels fit's coefficients, covariance and df (inf when its tests are normal)."""
    df = float(fit.df_resid) if fit.use_t else np.inf
    return _Inference(np.asarray(fit.params), np.asarray(fit.cov_params()), df)


def _effects(inf: _Inference, X, post_steps, alpha, scale, method, slope_change) -> pd.DataFrame:
    """One row per term: the contrast's estimate, t (or normal) interval and p-value."""
    names = list(X.columns)
    tr = np.exp if scale != "difference" else (lambda v: v)
    rows = []
    for term in TERMS:
        c = np.zeros(len(names))
        if term == "average_effect":
            c[names.index("level_change")] = 1.0
            if slope_change:
                c[names.index("slope_change")] = float(np.mean(post_steps))
        elif term in names:
            c[names.index(term)] = 1.0
        else:
            rows.append({"term": term, "scale": scale})
            continue
        coef = float(c @ inf.params)
        se = float(np.sqrt(c @ inf.cov @ c))
        df = inf.df_for(c)
        q = stats.t.ppf(1 - alpha / 2, df)  # df = inf: the normal quantile
        bounds = np.array([coef, coef - q * se, coef + q * se])
        with np.errstate(over="ignore"):  # a separated fit's bound is infinite; its note says so
            est, lo, hi = (float(v) for v in tr(bounds))
        rows.append(
            {
                "term": term,
                "estimate": est,
                "ci_low": lo,
                "ci_high": hi,
                "p_value": float(2 * stats.t.sf(abs(coef / se), df)) if se > 0 else np.nan,
                "scale": scale,
                "coef": coef,
                "se": se,
                "df": df,
            }
        )
    columns = ["term", "estimate", "ci_low", "ci_high", "p_value", "scale", "coef", "se", "df"]
    out = pd.DataFrame(rows).reindex(columns=columns)
    out["method"] = method
    return out
