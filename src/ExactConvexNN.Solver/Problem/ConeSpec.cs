namespace ExactConvexNN.Solver.Problem;

/// <summary>One cone of the product K in <c>Ax + s = b, s in K</c>, by kind and dimension.</summary>
public abstract record ConeSpec(int Dimension)
{
    /// <summary>A short name used in logs and messages ("zero", "nonneg", "soc").</summary>
    public abstract string Kind { get; }
}

/// <summary>The zero cone {0}: equality constraints.</summary>
public sealed record ZeroConeSpec(int Dimension) : ConeSpec(Dimension) { public override string Kind => "zero"; }

/// <summary>The nonnegative orthant: linear inequalities.</summary>
public sealed record NonnegativeConeSpec(int Dimension) : ConeSpec(Dimension) { public override string Kind => "nonneg"; }

/// <summary>The second-order cone {(t, x) : ||x||_2 &lt;= t}, t first.</summary>
public sealed record SecondOrderConeSpec(int Dimension) : ConeSpec(Dimension) { public override string Kind => "soc"; }
