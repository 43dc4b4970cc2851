namespace ExactConvexNN.Solver.Problem;

/// <summary>One cone of the product K in <c>Ax + s = b, s in K</c>, by kind and dimension.</summary>
public abstract record ConeSpec(int Dimension)
{
    /// <summary>A short name used in logs and messages ("zero", "nonneg", "soc", "psd").</summary>
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
