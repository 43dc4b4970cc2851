using ExactConvexNN.Solver.Cones;
using ExactConvexNN.Solver.Linear;

namespace ExactConvexNN.Solver.Kkt;

/// <summary>Creates the KKT solver for the (equilibrated) data P̂ (upper triangle), Â and the cone product.</summary>
public delegate IKktSolver KktSolverFactory(CscMatrix pUpper, CscMatrix a, CompositeCone cones, SolverSettings settings);

/// <summary>
/// Solves the reduced Newton system of the interior-point method,
/// <c>[[P, A'], [A, -W'W]] [x; z] = [rx; rz]</c>, for the current NT scaling W of the cones.
/// A structured solver can replace the generic one without touching the IPM.
/// </summary>
public interface IKktSolver
{
    /// <summary>A short name for results and logs (snake_case; default: the type's name).</summary>
    string Name => GetType().Name;

    /// <summary>Number of primal variables n (length of x).</summary>
    int Variables { get; }

    /// <summary>Number of constraint rows m (length of z).</summary>
    int Constraints { get; }

    /// <summary>
    /// True when the solver eliminates z through (W'W)^-1, so that W'W Δz recomputed by the cones need not reproduce
    /// A Δx - r to working accuracy once W'W is ill-conditioned. The interior-point method then takes the slack step from
    /// the linearized primal equation, Δs = -r_z + b Δτ - A Δx, as the semidefinite codes do, instead of
    /// Δs = -W(λ\d_s + W Δz). The two are equal in exact arithmetic.
    /// </summary>
    bool SlackFromPrimalEquation => false;

    /// <summary>Refreshes the system with the cones' current scaling and factors it. Returns false when the factorization fails.</summary>
    bool Update(ICone cones);

    /// <summary>
    /// Solves the system for one right-hand side with the last factorization. Returns false when the
    /// solution is not finite.
    /// </summary>
    bool Solve(ReadOnlySpan<double> rhsX, ReadOnlySpan<double> rhsZ, Span<double> x, Span<double> z);
}

/// <summary>
/// Optional capability of a KKT solver that holds the constraint matrix Â in a structured form: applies it (and its
/// transpose) faster than the CSC form. The interior-point method then uses it for the products of its iteration (its
/// residuals and slack steps); the checks of a solution are still made on the original data. The structured form must
/// equal Â to working accuracy (relative 1e-12 or better).
/// </summary>
public interface IConstraintOperator
{
    /// <summary>y = Â x (x of length n, y of length m).</summary>
    void Multiply(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>y = Â' z (z of length m, y of length n).</summary>
    void MultiplyTransposed(ReadOnlySpan<double> z, Span<double> y);
}
