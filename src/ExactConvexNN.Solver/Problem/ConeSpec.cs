namespace ExactConvexNN.Solver.Problem;

/// <summary>One cone of the product K in <c>Ax + s = b, s in K</c>, by kind and dimension.</summary>
public abstract record ConeSpec(int Dimension)
{
    /// <summary>A short name used in logs and messages ("zero", "nonneg", "soc", "psd", "exp").</summary>
    public abstract string Kind { get; }
}

/// <summary>The zero cone {0}: equality constraints.</summary>
public sealed record ZeroConeSpec(int Dimension) : ConeSpec(Dimension) { public override string Kind => "zero"; }

/// <summary>The nonnegative orthant: linear inequalities.</summary>
public sealed record NonnegativeConeSpec(int Dimension) : ConeSpec(Dimension) { public override string Kind => "nonneg"; }

/// <summary>The second-order cone {(t, x) : ||x||_2 &lt;= t}, t first.</summary>
public sealed record SecondOrderConeSpec(int Dimension) : ConeSpec(Dimension) { public override string Kind => "soc"; }

/// <summary>
/// The cone of k x k positive semidefinite matrices, stored as a vector of dimension k(k+1)/2 in scaled
/// lower-triangle form ("svec"): the lower triangle column by column (X_00, X_10, ..., X_(k-1)0, X_11, X_21, ...),
/// off-diagonal entries multiplied by √2 so that svec(X)'svec(Y) = tr(XY). See <see cref="Cones.PsdCone.SvecIndex"/>.
/// </summary>
/// <param name="MatrixOrder">The order k of the matrices (at least 1).</param>
public sealed record PsdConeSpec(int MatrixOrder) : ConeSpec(MatrixOrder * (MatrixOrder + 1) / 2) { public override string Kind => "psd"; }

/// <summary>
/// The exponential cone K_exp = closure{(x, y, z) : y &gt; 0, y exp(x/y) &lt;= z}, dimension 3, in this coordinate order
/// (x first, z last; the order of Clarabel, SCS and CVXPY). Three consecutive rows r, r+1, r+2 of <c>Ax + s = b</c> with
/// this cone ask for <c>(s_r, s_(r+1), s_(r+2)) = (x, y, z)</c> in K_exp. Its closure adds {(x, 0, z) : x &lt;= 0, z &gt;= 0}.
/// The dual cone is K_exp* = closure{(u, v, w) : u &lt; 0, -u exp(v/u - 1) &lt;= w}; the solver's z for these rows lies in it.
/// <para>
/// Typical uses, with variables t, s and rows written as s = b - A x:
/// <list type="bullet">
/// <item>exp(t) &lt;= s: (t, 1, s) in K_exp, i.e. rows (x, y, z) = (t, 1, s).</item>
/// <item>t &lt;= log(s): (t, 1, s) in K_exp as well.</item>
/// <item>softplus(t) = log(1 + exp(t)) &lt;= s (the logistic loss, s an epigraph variable): two blocks and one inequality,
/// (t - s, 1, u1) in K_exp, (-s, 1, u2) in K_exp, u1 + u2 &lt;= 1 (exp(t - s) + exp(-s) &lt;= 1 is exactly 1 + exp(t) &lt;= exp(s)).</item>
/// <item>t &lt;= -x log(x/y) (relative entropy / entropy with y = 1): (t, x, y) in K_exp.</item>
/// </list>
/// </para>
/// The CBF file format orders the same cone the other way round: its EXP block (x1, x2, x3) with x1 &gt;= x2 exp(x3/x2) is
/// (z, y, x) here; <see cref="Formats.CbfReader"/> and <see cref="Formats.CbfWriter"/> reverse the rows.
/// </summary>
public sealed record ExponentialConeSpec() : ConeSpec(3) { public override string Kind => "exp"; }
