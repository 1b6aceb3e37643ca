"""Interrupted time series: :func:`its` (public through :mod:`cslib.stats.impact`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cslib._args import check_alpha, check_frame, choice, frame_html, no_missing, numeric_column
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._its_design import _response, _seasonal_terms, _time_axis

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
        ``coef`` and ``se`` (on the model's linear scale), ``method``.
    sensitivity : pandas.DataFrame
        The same rows from a fit with AR(1) errors (GLSAR; on the log or logit
        scale for counts and proportions), plus ``rho``.
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
        Things the reader should know (few points, rounding of the time step…).
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
            [("Effects", self.table), ("Sensitivity: AR(1) errors", self.sensitivity)],
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
        ``gaussian``: OLS with Newey–West (HAC) standard errors.
        ``poisson``/``quasipoisson``: log-link GLM; effects are rate ratios.
        With the default HAC errors both are robust to overdispersion; with
        ``maxlags=0`` ``quasipoisson`` scales by the Pearson χ² dispersion.
        ``binomial``: logit GLM with trials ``n``; effects are odds ratios.
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
        HAC lags; default the Newey–West rule ⌊4 (N/100)^(2/9)⌋. ``0`` gives
        model-based (non-robust) errors.

    Returns
    -------
    ItsResult
        ``.table`` (``term``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``, ``scale``…), ``.sensitivity`` (AR(1) errors), ``.fitted``
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
    lags = int(np.floor(4 * (len(t) / 100) ** (2 / 9))) if maxlags is None else int(maxlags)
    exposure, endog = _response(frame, yv, family, offset, n, y)
    notes: list[str] = []
    fit, method = _fit(endog, X, family, exposure, lags)
    scale = {"gaussian": "difference", "binomial": "odds_ratio"}.get(family, "ratio")
    post_steps = (t - t0)[post]
    table = _effects(fit, X, post_steps, alpha, scale, method, slope_change)
    sens = _ar1(endog, X, family, exposure, post_steps, alpha, scale, slope_change)
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


def _fit(endog, X, family, exposure, lags):
    hac = {"maxlags": lags, "use_correction": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "gaussian":
            if lags > 0:
                fit = sm.OLS(endog, X).fit(cov_type="HAC", cov_kwds=hac, use_t=True)
                return fit, f"OLS segmented regression, Newey–West (HAC, {lags} lags) errors"
            return sm.OLS(endog, X).fit(), "OLS segmented regression, model-based errors"
        fam = sm.families.Binomial() if family == "binomial" else sm.families.Poisson()
        model = sm.GLM(endog, X, family=fam, offset=exposure)
        what = "binomial GLM (logit)" if family == "binomial" else "Poisson GLM (log link)"
        if exposure is not None:
            what += " with log(exposure) offset"
        if lags > 0:
            return model.fit(
                cov_type="HAC", cov_kwds=hac, use_t=True
            ), f"{what}, Newey–West (HAC, {lags} lags) errors"
        if family == "quasipoisson":
            return model.fit(scale="X2"), f"quasi-{what}, Pearson-scaled errors"
        return model.fit(), f"{what}, model-based errors"


def _effects(fit, X, post_steps, alpha, scale, method, slope_change) -> pd.DataFrame:
    names = list(X.columns)
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
            rows.append(
                {
                    "term": term,
                    "estimate": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "p_value": np.nan,
                    "scale": scale,
                    "coef": np.nan,
                    "se": np.nan,
                }
            )
            continue
        tt = fit.t_test(c)
        coef = float(np.squeeze(tt.effect))
        lo, hi = np.squeeze(tt.conf_int(alpha=alpha))
        tr = np.exp if scale != "difference" else (lambda v: v)
        rows.append(
            {
                "term": term,
                "estimate": float(tr(coef)),
                "ci_low": float(tr(lo)),
                "ci_high": float(tr(hi)),
                "p_value": float(np.squeeze(tt.pvalue)),
                "scale": scale,
                "coef": coef,
                "se": float(np.squeeze(tt.sd)),
            }
        )
    out = pd.DataFrame(rows)
    out["method"] = method
    return out


def _ar1(endog, X, family, exposure, post_steps, alpha, scale, slope_change) -> pd.DataFrame:
    if family == "binomial":
        s, f = endog[:, 0], endog[:, 1]
        z = np.log((s + 0.5) / (f + 0.5))
    elif family == "gaussian":
        z = endog
    else:
        z = np.log(endog + 0.5) - (0 if exposure is None else exposure)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.GLSAR(z, X, rho=1)
        fit = model.iterative_fit(maxiter=10)
    what = "GLSAR with AR(1) errors" + ("" if family == "gaussian" else " on the log/logit scale")
    out = _effects(fit, X, post_steps, alpha, scale, what, slope_change)
    out["rho"] = float(np.squeeze(model.rho))
    return out
