"""What scipy's f2py BLAS/LAPACK wrappers do with their arguments.

Facts the rules need and cannot see in the source: the order of each
wrapper's parameters (optional ones can be passed positionally too), which
parameters it writes and returns, and whether it writes them in place:

* ``-1``: always in place (``?axpy``'s ``y``, ``?scal``'s ``x``, ``?swap``):
  the caller's array is updated when its dtype and layout already fit;
* ``0``: ``intent(in,out,copy)``: the wrapper works on a copy and returns it
  unless ``overwrite_<name>=1`` is passed *and* the array already has the
  routine's dtype and is contiguous in Fortran order (1-D: contiguous);
* ``1``: in place by default (``overwrite_<name>`` defaults to 1).

A rank-2 input that is not written (``gemv``'s ``a``, ``gemm``'s ``a``/``b``)
must be Fortran-contiguous with the routine's dtype, else f2py copies it on
every call. The tables were read from scipy 1.17's wrapper docstrings;
``tests/test_analysis_blas_api.py`` checks them against the installed scipy
(the tables are data, so blaslint itself never imports scipy).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

PREFIX_DTYPES = {"s": "float32", "d": "float64", "c": "complex64", "z": "complex128"}

# base name -> (parameters in positional order, {written parameter: overwrite default}, read-only rank-2 inputs)
BLAS: dict[str, tuple[str, dict[str, int], str]] = {
    "asum": ("x n offx incx", {}, ""),
    "axpy": ("x y n a offx incx offy incy", {"y": -1}, ""),
    "casum": ("x n offx incx", {}, ""),
    "cnrm2": ("x n offx incx", {}, ""),
    "copy": ("x y n offx incx offy incy", {"y": -1}, ""),
    "dot": ("x y n offx incx offy incy", {}, ""),
    "dotc": ("x y n offx incx offy incy", {}, ""),
    "dotu": ("x y n offx incx offy incy", {}, ""),
    "drot": ("x y c s n offx incx offy incy overwrite_x overwrite_y", {"x": 0, "y": 0}, ""),
    "dscal": ("a x n offx incx overwrite_x", {"x": 0}, ""),
    "gbmv": ("m n kl ku alpha a x incx offx beta y incy offy trans overwrite_y", {"y": 0}, "a"),
    "gemm": ("alpha a b beta c trans_a trans_b overwrite_c", {"c": 0}, "a b"),
    "gemv": ("alpha a x beta y offx incx offy incy trans overwrite_y", {"y": 0}, "a"),
    "ger": ("alpha x y incx incy a overwrite_x overwrite_y overwrite_a", {"a": 0}, ""),
    "gerc": ("alpha x y incx incy a overwrite_x overwrite_y overwrite_a", {"a": 0}, ""),
    "geru": ("alpha x y incx incy a overwrite_x overwrite_y overwrite_a", {"a": 0}, ""),
    "hbmv": ("k alpha a x incx offx beta y incy offy lower overwrite_y", {"y": 0}, "a"),
    "hemm": ("alpha a b beta c side lower overwrite_c", {"c": 0}, "a b"),
    "hemv": ("alpha a x beta y offx incx offy incy lower overwrite_y", {"y": 0}, "a"),
    "her": ("alpha x lower incx offx n a overwrite_a", {"a": 0}, ""),
    "her2": ("alpha x y lower incx offx incy offy n a overwrite_a", {"a": 0}, ""),
    "her2k": ("alpha a b beta c trans lower overwrite_c", {"c": 0}, "a b"),
    "herk": ("alpha a beta c trans lower overwrite_c", {"c": 0}, "a"),
    "hpmv": ("n alpha ap x incx offx beta y incy offy lower overwrite_y", {"y": 0}, ""),
    "hpr": ("n alpha x ap incx offx lower overwrite_ap", {"ap": 0}, ""),
    "hpr2": ("n alpha x y ap incx offx incy offy lower overwrite_ap", {"ap": 0}, ""),
    "nrm2": ("x n offx incx", {}, ""),
    "rot": ("x y c s n offx incx offy incy overwrite_x overwrite_y", {"x": 0, "y": 0}, ""),
    "rotg": ("a b", {}, ""),
    "rotm": ("x y param n offx incx offy incy overwrite_x overwrite_y", {"x": 0, "y": 0}, ""),
    "rotmg": ("d1 d2 x1 y1", {}, ""),
    "sbmv": ("k alpha a x incx offx beta y incy offy lower overwrite_y", {"y": 0}, "a"),
    "scal": ("a x n offx incx", {"x": -1}, ""),
    "spmv": ("n alpha ap x incx offx beta y incy offy lower overwrite_y", {"y": 0}, ""),
    "spr": ("n alpha x ap incx offx lower overwrite_ap", {"ap": 0}, ""),
    "spr2": ("n alpha x y ap incx offx incy offy lower overwrite_ap", {"ap": 0}, ""),
    "srot": ("x y c s n offx incx offy incy overwrite_x overwrite_y", {"x": 0, "y": 0}, ""),
    "sscal": ("a x n offx incx overwrite_x", {"x": 0}, ""),
    "swap": ("x y n offx incx offy incy", {"x": -1, "y": -1}, ""),
    "symm": ("alpha a b beta c side lower overwrite_c", {"c": 0}, "a b"),
    "symv": ("alpha a x beta y offx incx offy incy lower overwrite_y", {"y": 0}, "a"),
    "syr": ("alpha x lower incx offx n a overwrite_a", {"a": 0}, ""),
    "syr2": ("alpha x y lower incx offx incy offy n a overwrite_a", {"a": 0}, ""),
    "syr2k": ("alpha a b beta c trans lower overwrite_c", {"c": 0}, "a b"),
    "syrk": ("alpha a beta c trans lower overwrite_c", {"c": 0}, "a"),
    "tbmv": ("k a x incx offx lower trans diag overwrite_x", {"x": 0}, "a"),
    "tbsv": ("k a x incx offx lower trans diag overwrite_x", {"x": 0}, "a"),
    "tpmv": ("n ap x incx offx lower trans diag overwrite_x", {"x": 0}, ""),
    "tpsv": ("n ap x incx offx lower trans diag overwrite_x", {"x": 0}, ""),
    "trmm": ("alpha a b side lower trans_a diag overwrite_b", {"b": 0}, "a"),
    "trmv": ("a x offx incx lower trans diag overwrite_x", {"x": 0}, "a"),
    "trsm": ("alpha a b side lower trans_a diag overwrite_b", {"b": 0}, "a"),
    "trsv": ("a x incx offx lower trans diag overwrite_x", {"x": 0}, "a"),
    "zasum": ("x n offx incx", {}, ""),
    "znrm2": ("x n offx incx", {}, ""),
}

# base name -> (parameters in positional order up to the last written one, {written parameter: default})
LAPACK: dict[str, tuple[str, dict[str, int]]] = {
    "gbcon": ("", {}),
    "gbsv": ("kl ku ab b overwrite_ab overwrite_b", {"ab": 0, "b": 0}),
    "gbtrf": ("ab kl ku m n ldab overwrite_ab", {"ab": 0}),
    "gbtrs": ("ab kl ku b ipiv trans n ldab ldb overwrite_b", {"b": 0}),
    "gebal": ("a scale permute overwrite_a", {"a": 0}),
    "gecon": ("", {}),
    "geequ": ("", {}),
    "geequb": ("", {}),
    "gees": ("sselect a compute_v sort_t lwork sselect_extra_args overwrite_a", {"a": 0}),
    "geev": ("", {}),
    "geev_lwork": ("", {}),
    "gehrd": ("a lo hi lwork overwrite_a", {"a": 0}),
    "gehrd_lwork": ("", {}),
    "gejsv": ("", {}),
    "gels": ("a b trans lwork overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "gels_lwork": ("", {}),
    "gelsd": ("a b lwork size_iwork cond overwrite_a overwrite_b", {"b": 0}),
    "gelsd_lwork": ("", {}),
    "gelss": ("a b cond lwork overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "gelss_lwork": ("", {}),
    "gelsy": ("a b jptv cond lwork overwrite_a overwrite_b", {"a": 0, "b": 0, "jptv": -1}),
    "gelsy_lwork": ("", {}),
    "gemqrt": ("v t c side trans overwrite_c", {"c": 0}),
    "geqp3": ("a lwork overwrite_a", {"a": 0}),
    "geqrf": ("a lwork overwrite_a", {"a": 0}),
    "geqrf_lwork": ("", {}),
    "geqrfp": ("a lwork overwrite_a", {"a": 0}),
    "geqrfp_lwork": ("", {}),
    "geqrt": ("nb a overwrite_a", {"a": 0}),
    "gerqf": ("a lwork overwrite_a", {"a": 0}),
    "gesc2": ("lu rhs ipiv jpiv overwrite_rhs", {"rhs": 0}),
    "gesdd": ("", {}),
    "gesdd_lwork": ("", {}),
    "gesv": ("a b overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "gesvd": ("", {}),
    "gesvd_lwork": ("", {}),
    "gesvx": ("a b fact trans af ipiv equed r c overwrite_a overwrite_b", {"a": 0, "af": -1, "b": 0, "c": -1, "equed": -1, "ipiv": -1, "r": -1}),
    "getc2": ("a overwrite_a", {"a": 0}),
    "getrf": ("a overwrite_a", {"a": 0}),
    "getri": ("lu piv lwork overwrite_lu", {"lu": 0}),
    "getri_lwork": ("", {}),
    "getrs": ("lu piv b trans overwrite_b", {"b": 0}),
    "gges": ("sselect a b jobvsl jobvsr sort_t ldvsl ldvsr lwork sselect_extra_args overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "ggev": ("", {}),
    "gglse": ("a b c d lwork overwrite_a overwrite_b overwrite_c overwrite_d", {"a": 0, "b": 0, "c": 0}),
    "gglse_lwork": ("", {}),
    "gtcon": ("", {}),
    "gtsv": ("dl d du b overwrite_dl overwrite_d overwrite_du overwrite_b", {"b": 0, "d": 0, "dl": 0, "du": 0}),
    "gtsvx": ("dl d du b fact trans dlf df duf du2 ipiv", {"df": -1, "dlf": -1, "du2": -1, "duf": -1, "ipiv": -1}),
    "gttrf": ("dl d du overwrite_dl overwrite_d overwrite_du", {"d": 0, "dl": 0, "du": 0}),
    "gttrs": ("dl d du du2 ipiv b trans overwrite_b", {"b": 0}),
    "hbevd": ("", {}),
    "hbevx": ("", {}),
    "hecon": ("", {}),
    "heequb": ("", {}),
    "heev": ("a compute_v lower lwork overwrite_a", {"a": 0}),
    "heev_lwork": ("", {}),
    "heevd": ("a compute_v lower lwork liwork lrwork overwrite_a", {"a": 0}),
    "heevd_lwork": ("", {}),
    "heevr": ("", {}),
    "heevr_lwork": ("", {}),
    "heevx": ("", {}),
    "heevx_lwork": ("", {}),
    "hegst": ("a b itype lower overwrite_a", {"a": 0}),
    "hegv": ("a b itype jobz uplo lwork overwrite_a overwrite_b", {"a": 0}),
    "hegv_lwork": ("", {}),
    "hegvd": ("", {}),
    "hegvx": ("", {}),
    "hegvx_lwork": ("", {}),
    "hesv": ("a b lwork lower overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "hesv_lwork": ("", {}),
    "hesvx": ("a b af ipiv lwork factored lower overwrite_a overwrite_b", {"af": -1, "ipiv": -1}),
    "hesvx_lwork": ("", {}),
    "hetrd": ("a lower lwork overwrite_a", {"a": 0}),
    "hetrd_lwork": ("", {}),
    "hetrf": ("a lower lwork overwrite_a", {"a": 0}),
    "hetrf_lwork": ("", {}),
    "hetri": ("a ipiv lower overwrite_a", {"a": 0}),
    "hetrs": ("a ipiv b lower overwrite_b", {"b": 0}),
    "hfrk": ("n k alpha a beta c transr uplo trans overwrite_c", {"c": 0}),
    "lamch": ("", {}),
    "langb": ("", {}),
    "lange": ("", {}),
    "lantr": ("", {}),
    "larf": ("v tau c work side incv overwrite_c", {"c": 0}),
    "larfg": ("n alpha x incx overwrite_x", {"alpha": -1, "x": 0}),
    "lartg": ("", {}),
    "lasd4": ("", {}),
    "laswp": ("a piv k1 k2 off inc overwrite_a", {"a": 0}),
    "lauum": ("c lower overwrite_c", {"c": 0}),
    "orcsd": ("x11 x12 x21 x22 compute_u1 compute_u2 compute_v1t compute_v2t trans signs lwork overwrite_x11 overwrite_x12 overwrite_x21 overwrite_x22", {"x11": 0, "x12": 0, "x21": 0, "x22": 0}),
    "orcsd_lwork": ("", {}),
    "orghr": ("a tau lo hi lwork overwrite_a", {"a": 0}),
    "orghr_lwork": ("", {}),
    "orgqr": ("a tau lwork overwrite_a", {"a": 0}),
    "orgrq": ("a tau lwork overwrite_a", {"a": 0}),
    "ormqr": ("side trans a tau c lwork overwrite_c", {"c": 0}),
    "ormrz": ("a tau c side trans lwork overwrite_c", {"c": 0}),
    "ormrz_lwork": ("", {}),
    "pbsv": ("ab b lower ldab overwrite_ab overwrite_b", {"ab": 0, "b": 0}),
    "pbtrf": ("ab lower ldab overwrite_ab", {"ab": 0}),
    "pbtrs": ("ab b lower ldab overwrite_b", {"b": 0}),
    "pftrf": ("n a transr uplo overwrite_a", {"a": 0}),
    "pftri": ("n a transr uplo overwrite_a", {"a": 0}),
    "pftrs": ("n a b transr uplo overwrite_b", {"b": 0}),
    "pocon": ("", {}),
    "posv": ("a b lower overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "posvx": ("a b fact af equed s lower overwrite_a overwrite_b", {"a": 0, "af": -1, "b": 0, "equed": -1, "s": -1}),
    "potrf": ("a lower clean overwrite_a", {"a": 0}),
    "potri": ("c lower overwrite_c", {"c": 0}),
    "potrs": ("c b lower overwrite_b", {"b": 0}),
    "ppcon": ("", {}),
    "ppsv": ("n ap b lower overwrite_b", {"b": 0}),
    "pptrf": ("n ap lower overwrite_ap", {"ap": 0}),
    "pptri": ("n ap lower overwrite_ap", {"ap": 0}),
    "pptrs": ("n ap b lower overwrite_b", {"b": 0}),
    "pstf2": ("a tol lower overwrite_a", {"a": 0}),
    "pstrf": ("a tol lower overwrite_a", {"a": 0}),
    "pteqr": ("d e z compute_z overwrite_d overwrite_e overwrite_z", {"d": 0, "e": 0, "z": 0}),
    "ptsv": ("d e b overwrite_d overwrite_e overwrite_b", {"b": 0, "d": 0, "e": 0}),
    "ptsvx": ("d e b fact df ef", {"df": -1, "ef": -1}),
    "pttrf": ("d e overwrite_d overwrite_e", {"d": 0, "e": 0}),
    "pttrs": ("d e b overwrite_b", {"b": 0}),
    "rot": ("x y c s n offx incx offy incy overwrite_x overwrite_y", {"x": 0, "y": 0}),
    "sbev": ("", {}),
    "sbevd": ("", {}),
    "sbevx": ("", {}),
    "sfrk": ("n k alpha a beta c transr uplo trans overwrite_c", {"c": 0}),
    "stebz": ("", {}),
    "stein": ("", {}),
    "stemr": ("", {}),
    "stemr_lwork": ("", {}),
    "sterf": ("d e overwrite_d overwrite_e", {"d": 0}),
    "stev": ("d e compute_v overwrite_d overwrite_e", {"d": 0}),
    "stevd": ("d e compute_v lwork liwork overwrite_d overwrite_e", {"d": 0}),
    "sycon": ("", {}),
    "syconv": ("a ipiv lower way overwrite_a", {"a": 0}),
    "syequb": ("", {}),
    "syev": ("a compute_v lower lwork overwrite_a", {"a": 0}),
    "syev_lwork": ("", {}),
    "syevd": ("a compute_v lower lwork liwork overwrite_a", {"a": 0}),
    "syevd_lwork": ("", {}),
    "syevr": ("", {}),
    "syevr_lwork": ("", {}),
    "syevx": ("", {}),
    "syevx_lwork": ("", {}),
    "sygst": ("a b itype lower overwrite_a", {"a": 0}),
    "sygv": ("a b itype jobz uplo lwork overwrite_a overwrite_b", {"a": 0}),
    "sygv_lwork": ("", {}),
    "sygvd": ("", {}),
    "sygvx": ("", {}),
    "sygvx_lwork": ("", {}),
    "sysv": ("a b lwork lower overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "sysv_lwork": ("", {}),
    "sysvx": ("a b af ipiv lwork factored lower overwrite_a overwrite_b", {"a": 0, "af": -1, "b": 0, "ipiv": -1}),
    "sysvx_lwork": ("", {}),
    "sytf2": ("a lower overwrite_a", {"a": 0}),
    "sytrd": ("a lower lwork overwrite_a", {"a": 0}),
    "sytrd_lwork": ("", {}),
    "sytrf": ("a lower lwork overwrite_a", {"a": 0}),
    "sytrf_lwork": ("", {}),
    "sytri": ("a ipiv lower overwrite_a", {"a": 0}),
    "sytrs": ("a ipiv b lower overwrite_b", {"b": 0}),
    "tbtrs": ("ab b uplo trans diag overwrite_b", {"b": 0}),
    "tfsm": ("alpha a b transr side uplo trans diag overwrite_b", {"b": 0}),
    "tfttp": ("", {}),
    "tfttr": ("", {}),
    "tgexc": ("a b q z ifst ilst wantq wantz lwork overwrite_a overwrite_b overwrite_q overwrite_z", {"a": 0, "b": 0, "q": 0, "z": 0}),
    "tgsen": ("select a b q z ijob wantq wantz lwork liwork overwrite_a overwrite_b overwrite_q overwrite_z", {"a": 0, "b": 0, "q": 0, "z": 0}),
    "tgsen_lwork": ("", {}),
    "tgsyl": ("a b c d e f trans ijob lwork overwrite_c overwrite_f", {"c": 0, "f": 0}),
    "tpmqrt": ("l v t a b side trans overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "tpqrt": ("l nb a b overwrite_a overwrite_b", {"a": 0, "b": 0}),
    "tpttf": ("", {}),
    "tpttr": ("", {}),
    "trcon": ("", {}),
    "trexc": ("a q ifst ilst wantq overwrite_a overwrite_q", {"a": 0, "q": 0}),
    "trsen": ("select t q job wantq lwork liwork overwrite_t overwrite_q", {"q": 0, "t": 0}),
    "trsen_lwork": ("", {}),
    "trsyl": ("a b c trana tranb isgn overwrite_c", {"c": 0}),
    "trtri": ("c lower unitdiag overwrite_c", {"c": 0}),
    "trtrs": ("a b lower trans unitdiag lda overwrite_b", {"b": 0}),
    "trttf": ("", {}),
    "trttp": ("", {}),
    "tzrzf": ("a lwork overwrite_a", {"a": 0}),
    "tzrzf_lwork": ("", {}),
    "uncsd": ("x11 x12 x21 x22 compute_u1 compute_u2 compute_v1t compute_v2t trans signs lwork lrwork overwrite_x11 overwrite_x12 overwrite_x21 overwrite_x22", {"x11": 0, "x12": 0, "x21": 0, "x22": 0}),
    "uncsd_lwork": ("", {}),
    "unghr": ("a tau lo hi lwork overwrite_a", {"a": 0}),
    "unghr_lwork": ("", {}),
    "ungqr": ("a tau lwork overwrite_a", {"a": 0}),
    "ungrq": ("a tau lwork overwrite_a", {"a": 0}),
    "unmqr": ("side trans a tau c lwork overwrite_c", {"c": 0}),
    "unmrz": ("a tau c side trans lwork overwrite_c", {"c": 0}),
    "unmrz_lwork": ("", {}),
}

# Read-only rank-2 inputs that a flag tells the routine to transpose.
TRANS_FLAGS: dict[str, dict[str, str]] = {
    "gemv": {"a": "trans"},
    "gemm": {"a": "trans_a", "b": "trans_b"},
}
_MODULES = {"scipy.linalg.blas": "blas", "scipy.linalg.lapack": "lapack"}


@dataclass(frozen=True)
class Routine:
    """One wrapper: ``scipy.linalg.blas.sgemv`` or a ``get_blas_funcs`` result (prefix ``?``)."""

    qualname: str
    module: str                  # "blas" or "lapack"
    prefix: str                  # "s", "d", "c", "z", or "?" (chosen at run time)
    base: str                    # "gemv"
    params: tuple[str, ...]      # positional order, overwrite flags included
    written: dict                # written parameter -> overwrite default (-1: always in place)
    matrices: tuple[str, ...]    # read-only rank-2 inputs (BLAS only)

    @property
    def name(self) -> str:
        return self.qualname.rpartition(".")[2]

    @property
    def dtype(self) -> str | None:
        """The dtype the routine works in (None for a ``?`` routine)."""
        return PREFIX_DTYPES.get(self.prefix)

    def copies_unless_overwrite(self, param: str) -> bool:
        return self.written.get(param) == 0


def lookup(qualname: str | None) -> Routine | None:
    """The routine a canonical name denotes (``scipy.linalg.blas.?gemv`` included)."""
    if not qualname:
        return None
    module, _, name = qualname.rpartition(".")
    kind = _MODULES.get(module)
    if kind is None or len(name) < 2:
        return None
    prefix, base = name[0], name[1:]
    if prefix != "?" and prefix not in PREFIX_DTYPES:
        return None
    if kind == "blas":
        entry = BLAS.get(base)
        if entry is None:
            return None
        params, written, mats = entry
        return Routine(qualname, kind, prefix, base, tuple(params.split()), written, tuple(mats.split()))
    entry = LAPACK.get(base)
    if entry is None:
        return None
    params, written = entry
    return Routine(qualname, kind, prefix, base, tuple(params.split()), written, ())


@dataclass
class BoundCall:
    """A wrapper call with its arguments matched to the routine's parameters."""

    routine: Routine
    call: ast.Call
    args: dict                   # parameter -> argument expression

    def flag(self, name: str) -> bool | None:
        """The truth of an int flag (``overwrite_y=1``, ``trans=0``); absent -> its default; None if unknown."""
        node = self.args.get(name)
        if node is None:
            if name.startswith("overwrite_"):
                default = self.routine.written.get(name[len("overwrite_"):], 0)
                return default == 1
            return False
        value = constant_int(node)
        return None if value is None else bool(value)

    def overwrites(self, param: str) -> bool | None:
        """Does the call ask to update ``param`` in place (None: cannot tell)?"""
        default = self.routine.written.get(param)
        if default is None:
            return False
        if default == -1:
            return True
        return self.flag(f"overwrite_{param}")


def constant_int(node: ast.AST) -> int | None:
    """``1``, ``0``, ``True``, ``False`` -> int; anything else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int)):
        return int(node.value)
    return None


def bind(routine: Routine, call: ast.Call) -> BoundCall | None:
    """Match positional and keyword arguments; None when ``*args``/``**kw`` hide them."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    args: dict = {}
    for i, a in enumerate(call.args):
        if i < len(routine.params):
            args[routine.params[i]] = a
        elif routine.module == "blas":
            return None  # more positional arguments than the wrapper takes: not the call we know
    for kw in call.keywords:
        args[kw.arg] = kw.value
    # f2py takes None for an optional argument as "not given"
    args = {p: a for p, a in args.items() if not (isinstance(a, ast.Constant) and a.value is None)}
    return BoundCall(routine, call, args)


def _degenerate(shape) -> bool:
    """A (1, n) or (n, 1) matrix is both C- and Fortran-contiguous."""
    return shape is not None and any(d == 1 for d in shape)


def f2py_copies(routine: Routine, facts) -> str | None:
    """Why f2py would copy an array argument with these facts: "dtype", "order", or None (it
    would not, or the facts do not say)."""
    dtype = routine.dtype
    if dtype is not None and facts.dtype is not None and facts.dtype != dtype:
        return "dtype"
    if facts.rank == 2 and facts.order == "C" and not _degenerate(facts.shape):
        return "order"
    return None


def f2py_keeps(routine: Routine, facts) -> bool:
    """Provably passed through without a copy: the routine's dtype, 1-D contiguous or F-ordered 2-D."""
    if routine.dtype is None or facts.dtype != routine.dtype:
        return False
    return (facts.rank == 1 and facts.order == "C") or (facts.rank == 2 and facts.order == "F")
