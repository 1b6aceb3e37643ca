"""Difference-in-differences with staggered roll-out: :func:`did` (public via :mod:`cslib.stats.impact`).

Group-time average treatment effects in the style of Callaway & Sant'Anna (2021),
unconditional (no covariates), with the "varying" base period of R's ``did``:
period g−1 for post periods, t−1 for pre periods (or, on request, each unit's
mean before the go-live for post periods).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha, choice, frame_html
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._did_estimate import (
    _att_and_if,
    _build_cells,
    _Cells,
    _Panel,
    _panel,
    _twfe,
)
from cslib.stats.impact._did_inference import (
    _aggregation_specs,
    _apply_spec,
    _boot_spec,
    _boot_summary,
    _bootstrap,
    _cohort_shares,
    _multiset_permutations,
    _n_assignments,
    _pooled_t,
)

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")

AGGREGATIONS = ("simple", "group", "dynamic")


@dataclass(frozen=True)
class DidResult:
    """Result of :func:`did`.

    Attributes
    ----------
    att_gt : pandas.DataFrame
        One row per cohort × period: ``group`` (first treated period), ``time``,
        ``base`` (the comparison period; with ``base_period="pre-mean"`` the
        last of the periods averaged for post periods), ``event_time`` (periods since the
        cohort's go-live; negative = placebo pre-periods), ``att``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``post``, ``n_treated``,
        ``n_control``.
    twfe : pandas.DataFrame
        The plain two-way fixed-effects coefficient, **for comparison only**:
        with staggered roll-outs it can weight cohort effects negatively.
    control : str
        ``"never"`` or ``"notyet"``.
    inference : str
        ``"analytic"`` (influence function) or ``"bootstrap"`` (units resampled).
    base_period : str
        ``"varying"`` or ``"pre-mean"`` (see :func:`did`).
    n_units, n_never : int
        Units used, and never-treated units among them.
    notes : tuple of str
    """

    att_gt: pd.DataFrame
    twfe: pd.DataFrame
    control: str
    inference: str
    alpha: float
    n_units: int
    n_never: int
    notes: tuple[str, ...]
    _panel: _Panel = field(repr=False, compare=False)
    _cells: _Cells = field(repr=False, compare=False)
    _inf: np.ndarray = field(repr=False, compare=False)
    _boot: tuple[np.ndarray, np.ndarray] | None = field(repr=False, compare=False)
    base_period: str = "varying"

    @property
    def table(self) -> pd.DataFrame:
        """The group-time effects (``att_gt``)."""
        return self.att_gt

    def summary(self) -> pd.DataFrame:
        """The three overall effects (simple, group, dynamic) and the TWFE comparison.

        Returns
        -------
        pandas.DataFrame
            ``estimator``, ``att``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``note``.
        """
        rows = []
        for kind in AGGREGATIONS:
            r = self.aggregate(kind).iloc[0]
            rows.append(
                {
                    "estimator": f"{kind} (Callaway–Sant'Anna)",
                    "att": r["att"],
                    "se": r["se"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "p_value": r["p_value"],
                    "note": "",
                }
            )
        tw = self.twfe.iloc[0]
        rows.append(
            {
                "estimator": "two-way fixed effects",
                "att": tw["estimate"],
                "se": tw["se"],
                "ci_low": tw["ci_low"],
                "ci_high": tw["ci_high"],
                "p_value": tw["p_value"],
                "note": "comparison only, not the answer",
            }
        )
        return pd.DataFrame(rows)

    def aggregate(self, kind: str = "simple") -> pd.DataFrame:
        """Aggregate the ATT(g,t) as R ``did::aggte`` does.

        Parameters
        ----------
        kind : {"simple", "group", "dynamic"}
            ``simple``: post cells weighted by cohort size. ``group``: average
            of each cohort's post effects, then cohorts weighted by size.
            ``dynamic``: by event time e (cohorts weighted by size within e);
            the overall value averages the e ≥ 0 effects.

        Returns
        -------
        pandas.DataFrame
            First row ``level == "overall"``, then one per cohort (``group``) or
            event time (``dynamic``; e < 0 are placebo pre-periods): ``level``,
            ``group`` or ``event_time``, ``att``, ``se``, ``ci_low``, ``ci_high``,
            ``p_value``, ``inference``.

        Examples
        --------
        >>> # res = did(panel, y="lemp", unit="countyreal", time="year", first_treated="first.treat")
        >>> # res.aggregate("dynamic")
        """
        choice(kind, AGGREGATIONS, "kind")
        specs = _aggregation_specs(kind, self._cells, self._panel)
        att = self.att_gt["att"].to_numpy()
        gshare = _cohort_shares(self._panel.gpos, self._cells.g)
        rows = []
        for label, spec in specs:
            est, inf = _apply_spec(spec, att, self._inf, gshare, self._panel.gpos, self._cells.g)
            if self._boot is None:
                se = float(np.sqrt(np.sum(inf**2)) / inf.size)
                z = stats.norm.ppf(1 - self.alpha / 2)
                lo, hi = est - z * se, est + z * se
            else:
                draws = _boot_spec(spec, *self._boot, self._cells.g, self._panel.gpos)
                se, lo, hi = _boot_summary(draws, self.alpha)
            p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else np.nan
            rows.append(
                {
                    "level": label[0],
                    **({label[1]: label[2]} if label[1] else {}),
                    "att": est,
                    "se": se,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p_value": p,
                    "inference": self.inference,
                }
            )
        out = pd.DataFrame(rows)
        key = "group" if kind == "group" else "event_time"
        if kind == "simple":
            out = out.drop(columns=[c for c in out.columns if c in ("group", "event_time")])
        else:
            out[key] = pd.Series([r.get(key) for r in rows], dtype=object)
        return out

    def small_sample(self, kind: str = "simple") -> pd.DataFrame:
        """Overall effect with an interval that holds with few units (2–10 teams).

        The units' outcome changes are compared within their cohort (and the
        never-treated), with one spread pooled over all of them: a t interval
        with (units − groups) degrees of freedom. With one cohort and
        never-treated controls this is the pooled two-sample t test of the
        units' changes, exact for normal team-level changes; a cohort of a
        single team borrows the spread of the other teams instead of adding
        none. The influence-function interval of :meth:`aggregate` uses a
        normal quantile and divides by n, too narrow with a handful of teams.

        Returns
        -------
        pandas.DataFrame
            One row: ``kind``, ``att``, ``se``, ``df``, ``ci_low``, ``ci_high``,
            ``p_value``, ``method``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"team": list("AABBCC"), "month": [1, 2] * 3,
        ...                    "aht": [6.0, 5.0, 6.2, 6.4, 5.9, 6.0], "start": [2, 2, 0, 0, 0, 0]})
        >>> row = did(df, y="aht", unit="team", time="month", first_treated="start").small_sample().iloc[0]
        >>> round(float(row["att"]), 2), int(row["df"]), round(float(row["se"]), 3)
        (-1.15, 1, 0.087)
        """
        choice(kind, AGGREGATIONS, "kind")
        spec = _aggregation_specs(kind, self._cells, self._panel)[0][1]
        est = float(self.aggregate(kind)["att"].iloc[0])
        _, se, df = _pooled_t(spec, self._cells, self._panel)
        ok = df >= 1 and np.isfinite(se) and se > 0
        q = stats.t.ppf(1 - self.alpha / 2, df) if ok else np.nan
        p = float(2 * stats.t.sf(abs(est / se), df)) if ok else np.nan
        return pd.DataFrame(
            [
                {
                    "kind": kind,
                    "att": est,
                    "se": se,
                    "df": df,
                    "ci_low": est - q * se,
                    "ci_high": est + q * se,
                    "p_value": p,
                    "method": f"pooled t over units within cohorts ({df} df)",
                }
            ]
        )

    def permutation_test(
        self, kind: str = "simple", *, n_perm: int = 999, random_state: int | None = 0
    ) -> pd.DataFrame:
        """Randomisation inference over units (teams): sensible with few teams.

        The cohort labels are shuffled across whole units (all distinct
        assignments when there are at most ``n_perm`` of them), the overall
        effect recomputed, and the p-value is the share of assignments with an
        effect at least as large in absolute value as the observed one.

        Returns
        -------
        pandas.DataFrame
            One row: ``kind``, ``att``, ``p_value``, ``n_assignments``,
            ``exact``, ``method``.
        """
        choice(kind, AGGREGATIONS, "kind")
        obs = float(self.aggregate(kind)["att"].iloc[0])
        gpos = self._panel.gpos
        total = _n_assignments(gpos)
        rng = np.random.default_rng(random_state)
        exact = total <= n_perm
        perms = (
            _multiset_permutations(gpos)
            if exact
            else (rng.permutation(gpos) for _ in range(n_perm))
        )
        draws = []
        for g in perms:
            panel = _Panel(
                self._panel.y, np.asarray(g, dtype=float), self._panel.periods, self._panel.units
            )
            try:
                cells = _build_cells(panel, self.control, self.base_period)
            except ParameterError:
                continue
            att, inf = _att_and_if(cells)
            spec = _aggregation_specs(kind, cells, panel)[0][1]
            est, _ = _apply_spec(
                spec, att, inf, _cohort_shares(panel.gpos, cells.g), panel.gpos, cells.g
            )
            if np.isfinite(est):
                draws.append(est)
        d = np.abs(np.asarray(draws)) >= abs(obs) - 1e-12
        p = float(d.mean()) if exact else float((1 + d.sum()) / (1 + d.size))
        return pd.DataFrame(
            [
                {
                    "kind": kind,
                    "att": obs,
                    "p_value": p,
                    "n_assignments": int(d.size),
                    "exact": exact,
                    "method": "permutation of cohort labels across units"
                    + (" (all assignments)" if exact else f" ({n_perm} random assignments)"),
                }
            ]
        )

    def _repr_html_(self) -> str:
        return frame_html(
            f"Difference-in-differences, {self.control}-treated controls ({self.n_units} units)",
            [("Overall effects", self.summary()), ("Group-time effects ATT(g,t)", self.att_gt)],
            list(self.notes),
        )


def did(
    data: pd.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    first_treated: str,
    control: str = "never",
    alpha: float = 0.05,
    inference: str = "analytic",
    n_boot: int = 999,
    random_state: int | None = 0,
    base_period: str = "varying",
) -> DidResult:
    """Group-time difference-in-differences (Callaway & Sant'Anna, unconditional).

    ATT(g,t) is the 2×2 DiD of cohort g (units first treated in period g)
    against the control units, between period t and a base period: g−1 for
    post periods (t ≥ g) and t−1 for pre periods (placebo effects that check
    parallel trends). A single go-live date is the same machinery with one
    cohort.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit × period (not modified).
    y, unit, time : str
        Outcome, unit (team) and period columns.
    first_treated : str
        Column holding each unit's first treated period (a ``time`` value);
        0 or missing = never treated. Units treated after the last period
        count as never treated; units treated in the first period are dropped.
    control : {"never", "notyet"}
        Never-treated units only, or also units not yet treated by period t.
    alpha : float
        1 − confidence level (pointwise intervals).
    inference : {"analytic", "bootstrap"}
        Influence-function standard errors, or a bootstrap resampling whole
        units (clusters), ``n_boot`` times with seed ``random_state``
        (percentile intervals). For few teams see :meth:`DidResult.small_sample`
        and :meth:`DidResult.permutation_test`.
    base_period : {"varying", "pre-mean"}
        What post periods are compared with: period g−1, as R's ``did`` does,
        or each unit's mean over all periods before g — with one cohort and
        never-treated controls the DiD of group means before and after, far
        less noisy when the periods are many and short (weeks). Pre periods
        are compared with t−1 either way.

    Returns
    -------
    DidResult
        ``.att_gt``, ``.aggregate(kind)``, ``.summary()``, ``.twfe``
        (comparison only), ``.permutation_test()``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"team": list("AABBCC"), "month": [1, 2] * 3,
    ...                    "fcr": [0.60, 0.70, 0.50, 0.52, 0.55, 0.56],
    ...                    "start": [2, 2, 0, 0, 0, 0]})
    >>> res = did(df, y="fcr", unit="team", time="month", first_treated="start")
    >>> round(float(res.aggregate("simple")["att"].iloc[0]), 3)
    0.085
    """
    choice(control, ("never", "notyet"), "control")
    choice(inference, ("analytic", "bootstrap"), "inference")
    choice(base_period, ("varying", "pre-mean"), "base_period")
    alpha = check_alpha(alpha)
    panel, notes = _panel(data, y=y, unit=unit, time=time, first_treated=first_treated)
    cells = _build_cells(panel, control, base_period)
    att, inf = _att_and_if(cells)
    boot = None
    if inference == "bootstrap":
        if not (isinstance(n_boot, int) and n_boot >= 99):
            raise ParameterError(
                Problem(
                    "too few bootstrap draws",
                    column="n_boot",
                    values=(n_boot,),
                    fix="use n_boot >= 99 (999 is a good default)",
                )
            )
        boot = _bootstrap(cells, panel, n_boot, random_state)
    n = panel.y.shape[0]
    z = stats.norm.ppf(1 - alpha / 2)
    if boot is None:
        se = np.sqrt((inf**2).sum(axis=0)) / n
        lo, hi = att - z * se, att + z * se
    else:
        summ = [_boot_summary(boot[0][:, k], alpha) for k in range(att.size)]
        se, lo, hi = (np.array(v) for v in zip(*summ, strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(att / se)), np.nan)
    per = panel.periods
    table = pd.DataFrame(
        {
            "group": per[cells.g.astype(int)],
            "time": per[cells.t],
            "base": per[cells.base],
            "event_time": cells.t - cells.g.astype(int),
            "att": att,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": p,
            "post": cells.t >= cells.g,
            "n_treated": cells.treat.sum(axis=0).astype(int),
            "n_control": cells.ctrl.sum(axis=0).astype(int),
        }
    )
    n_treated_units = int(np.isfinite(panel.gpos).sum())
    n_never = int((~np.isfinite(panel.gpos)).sum())
    if min(n_treated_units, int(table["n_control"].max())) < 10:
        notes.append(
            "few units: influence-function and bootstrap intervals are too narrow; "
            "use .small_sample() (t interval over units) or .permutation_test()"
        )
    return DidResult(
        att_gt=table,
        twfe=_twfe(panel, alpha, notes),  # before notes=: its warnings join them
        control=control,
        inference=inference,
        alpha=alpha,
        n_units=n,
        n_never=n_never,
        notes=tuple(notes),
        _panel=panel,
        _cells=cells,
        _inf=inf,
        _boot=boot,
        base_period=base_period,
    )
