namespace ExactConvexNN.Solver.Ipm;

/// <summary>
/// A point (x, s, z, τ, κ) of the homogeneous self-dual embedding, or a direction (Δx, Δs, Δz, Δτ, Δκ) of the same
/// shape. The vectors are allocated once by the constructor; copies and steps write into existing storage, so the
/// interior-point loop can save and restore iterates (best iterate, safeguarded directions) without allocating.
/// </summary>
internal sealed class Iterate
{
    /// <summary>Primal variables x (length n).</summary>
    public readonly double[] X;
    /// <summary>Slacks s (length m).</summary>
    public readonly double[] S;
    /// <summary>Dual variables z (length m).</summary>
    public readonly double[] Z;
    /// <summary>Homogenizing variable τ.</summary>
    public double Tau;
    /// <summary>Homogenizing variable κ.</summary>
    public double Kappa;

    /// <summary>Allocates a zero iterate for n variables and m constraint rows.</summary>
    public Iterate(int n, int m)
    {
        X = new double[n]; S = new double[m]; Z = new double[m];
    }

    /// <summary>this = other (same dimensions; no allocation).</summary>
    public void CopyFrom(Iterate other)
    {
        other.X.AsSpan().CopyTo(X); other.S.AsSpan().CopyTo(S); other.Z.AsSpan().CopyTo(Z);
        Tau = other.Tau; Kappa = other.Kappa;
    }

    /// <summary>this += α d for a direction d, component by component (x, s, z, τ, κ).</summary>
    public void AddScaled(double alpha, Iterate d)
    {
        // (x, s, z, τ, κ) += α (Δx, Δs, Δz, Δτ, Δκ).
        VectorOps.Axpy(alpha, d.X, X);
        VectorOps.Axpy(alpha, d.S, S);
        VectorOps.Axpy(alpha, d.Z, Z);
        Tau += alpha * d.Tau;
        Kappa += alpha * d.Kappa;
    }
}
