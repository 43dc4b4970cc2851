using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Solver.Problem;

namespace ExactConvexNN.Programs;

/// <summary>
/// The conic form of a loss L(F, Y) on the outputs F (n x O), as the coupling part of a block-angular program whose
/// blocks produce F linearly (<see cref="ConvexReluProgram"/>): coupling variables with a positive diagonal quadratic,
/// coupling rows (in which the blocks' f_sk appear with the coefficients <see cref="F"/>), and one small block of loss
/// variables per sample with its own rows. In A x + s = b form, s in the cones (r = f - y):
/// <list type="bullet">
/// <item>squared: coupling e (P = 1), zero rows e - f = -y;</item>
/// <item>l1: block e+ &gt;= 0, e- &gt;= 0 (q = 1 each), zero rows e+ - e- - f = -y (a redundant r &gt;= 0 beside
/// r &gt;= |f - y| would make the structured KKT system ill-conditioned near the optimum);</item>
/// <item>huber: coupling p (P = 1), block q &gt;= 0 (cost M), rows p + q -+ r_sk &gt;= 0, so the loss is
/// min p^2/2 + M q over p + q &gt;= |r| (1/2 r^2 for |r| &lt;= M, M|r| - M^2/2 beyond);</item>
/// <item>hinge: block z &gt;= 0 (q = 1), rows z - 1 + y f &gt;= 0;</item>
/// <item>logistic and cross-entropy: exponential cones in the coupling rows (see <see cref="Logistic"/> and
/// <see cref="CrossEntropy"/>), blocks of epigraph variables without rows of their own.</item>
/// </list>
/// Every block variable has a nonnegativity row of its own, so each block's rows determine its variables (the structured
/// KKT solver needs that); the coupling variables have P &gt; 0, as it needs too. The exponential-cone losses do not fit
/// that solver (<see cref="Symmetric"/> is false) and go to the general one.
/// </summary>
internal sealed class ConicLoss
{
    /// <summary>Coupling variables (the first columns).</summary>
    public int CouplingVariables { get; private init; }
    /// <summary>Coupling rows (the first rows).</summary>
    public int CouplingRows { get; private init; }
    /// <summary>The diagonal of P on the coupling variables.</summary>
    public required double[] CouplingQuadratic { get; init; }
    /// <summary>The entries (row, value) of each coupling variable's column (rows are coupling rows).</summary>
    public required List<(int Row, double Value)>[] CouplingColumns { get; init; }
    /// <summary>b on the coupling rows.</summary>
    public required double[] CouplingRhs { get; init; }
    /// <summary>The cones of the coupling rows, in row order.</summary>
    public required List<ConeSpec> CouplingCones { get; init; }
    /// <summary>For f_sk at index s O + k: the coupling rows it appears in and its coefficient in A, rows ascending.</summary>
    public required (int Row, double Value)[][] F { get; init; }
    /// <summary>Variables of each sample's loss block (0: no loss blocks).</summary>
    public int BlockVariables { get; private init; }
    /// <summary>Own rows of each sample's loss block.</summary>
    public int BlockRows { get; private init; }
    /// <summary>Per sample s and block variable c: its entries in the coupling rows (ascending).</summary>
    public required List<(int Row, double Value)>[][] BlockCoupling { get; init; }
    /// <summary>Per block variable c: its entries in the block's own rows (local row index), the same for every sample.</summary>
    public required List<(int Row, double Value)>[] BlockOwn { get; init; }
    /// <summary>b on a loss block's own rows (the same for every sample).</summary>
    public required double[] BlockRhs { get; init; }
    /// <summary>q on a loss block's variables.</summary>
    public required double[] BlockCost { get; init; }
    /// <summary>The cones of a loss block's own rows.</summary>
    public required ConeSpec[] BlockCones { get; init; }

    /// <summary>The conic form of <paramref name="loss"/> for targets <paramref name="y"/> (n x O, encoded).</summary>
    /// <exception cref="InputException">A loss without a conic form here yet.</exception>
    public static ConicLoss Build(LossFunction loss, double[,] y)
    {
        ArgumentNullException.ThrowIfNull(loss); ArgumentNullException.ThrowIfNull(y);
        int n = y.GetLength(0), o = y.GetLength(1), no = n * o;
        switch (loss.Kind)
        {
            case LossKind.Squared:
            {
                // e_sk - f_sk = -y_sk on row s O + k.
                var rhs = new double[no];
                var f = new (int, double)[no][];
                var cols = new List<(int, double)>[no];
                for (int r = 0; r < no; r++) { rhs[r] = -y[r / o, r % o]; f[r] = [(r, -1.0)]; cols[r] = [(r, 1.0)]; }
                return new ConicLoss
                {
                    CouplingVariables = no, CouplingRows = no, CouplingQuadratic = Enumerable.Repeat(1.0, no).ToArray(),
                    CouplingColumns = cols, CouplingRhs = rhs, CouplingCones = [new ZeroConeSpec(no)], F = f,
                    BlockVariables = 0, BlockRows = 0, BlockCoupling = [], BlockOwn = [], BlockRhs = [], BlockCost = [], BlockCones = [],
                };
            }
            case LossKind.Hinge:
            {
                // z_k - 1 + y f_k >= 0 on row s O + k: b = -1, A(z) = -1, A(f) = -y.
                var rhs = Enumerable.Repeat(-1.0, no).ToArray();
                var f = new (int, double)[no][];
                for (int r = 0; r < no; r++) f[r] = [(r, -y[r / o, r % o])];
                var coupling = new List<(int, double)>[n][];
                for (int s = 0; s < n; s++)
                {
                    coupling[s] = new List<(int, double)>[o];
                    for (int k = 0; k < o; k++) coupling[s][k] = [(s * o + k, -1.0)];
                }
                return PerOutputBlock(0, no, [], [], rhs, [new NonnegativeConeSpec(no)], f, coupling, o, Enumerable.Repeat(1.0, o).ToArray());
            }
            case LossKind.L1:
            {
                // e+_sk - e-_sk - f_sk = -y_sk on row s O + k; the block of sample s is [e+_0, e-_0, e+_1, e-_1, ...].
                var rhs = new double[no];
                var f = new (int, double)[no][];
                for (int r = 0; r < no; r++) { rhs[r] = -y[r / o, r % o]; f[r] = [(r, -1.0)]; }
                var coupling = new List<(int, double)>[n][];
                for (int s = 0; s < n; s++)
                {
                    coupling[s] = new List<(int, double)>[2 * o];
                    for (int k = 0; k < o; k++) { coupling[s][2 * k] = [(s * o + k, 1.0)]; coupling[s][2 * k + 1] = [(s * o + k, -1.0)]; }
                }
                return PerOutputBlock(0, no, [], [], rhs, [new ZeroConeSpec(no)], f, coupling, 2 * o, Enumerable.Repeat(1.0, 2 * o).ToArray());
            }
            case LossKind.Huber:
            {
                // Rows 2(s O + k) and 2(s O + k) + 1: p + q - (f - y) >= 0 and p + q + (f - y) >= 0.
                var rhs = new double[2 * no];
                var f = new (int, double)[no][];
                for (int r = 0; r < no; r++)
                {
                    double yk = y[r / o, r % o];
                    rhs[2 * r] = yk; rhs[2 * r + 1] = -yk;
                    f[r] = [(2 * r, 1.0), (2 * r + 1, -1.0)];
                }
                var coupling = new List<(int, double)>[n][];
                for (int s = 0; s < n; s++)
                {
                    coupling[s] = new List<(int, double)>[o];
                    for (int k = 0; k < o; k++) coupling[s][k] = [(2 * (s * o + k), -1.0), (2 * (s * o + k) + 1, -1.0)];
                }
                var pCols = new List<(int, double)>[no];
                for (int r = 0; r < pCols.Length; r++) pCols[r] = [(2 * r, -1.0), (2 * r + 1, -1.0)];
                return PerOutputBlock(no, 2 * no, Enumerable.Repeat(1.0, no).ToArray(), pCols, rhs,
                    [new NonnegativeConeSpec(2 * no)], f, coupling, o, Enumerable.Repeat(loss.HuberDelta, o).ToArray());
            }
            case LossKind.Logistic when loss.CrossEntropy:
                return CrossEntropy(y);
            case LossKind.Logistic:
                return Logistic(y);
            default:
                throw new InputException($"the {LossFunction.Name(loss.Kind)} loss has no conic form; use --loss squared, hinge, logistic, l1 or huber");
        }
    }

    /// <summary>True when every cone is symmetric, so the program fits the block-angular KKT solver (exponential cones do not).</summary>
    public bool Symmetric => !CouplingCones.Any(c => c is ExponentialConeSpec) && !BlockCones.Any(c => c is ExponentialConeSpec);

    /// <summary>
    /// Logistic loss softplus(-y f) per output (y = -1/+1): a block [z, u1, u2] per output with cost 1 on z, and seven
    /// coupling rows per output r = s O + k (<see cref="ExponentialConeRows.AddSoftplusEpigraph"/>'s form):
    /// <code>
    ///   1 - u1 - u2 &gt;= 0,   (-y f - z, 1, u1) in K_exp,   (-z, 1, u2) in K_exp,
    /// </code>
    /// i.e. exp(-y f - z) + exp(-z) &lt;= 1, which is z &gt;= log(1 + exp(-y f)). The exponential cones hold f, so they
    /// are coupling rows: this program needs the general KKT solver.
    /// </summary>
    private static ConicLoss Logistic(double[,] y)
    {
        int n = y.GetLength(0), o = y.GetLength(1), no = n * o;
        const int rowsPer = 7;
        var rhs = new double[rowsPer * no];
        var f = new (int, double)[no][];
        var cones = new List<ConeSpec>(3 * no);
        var coupling = new List<(int, double)>[n][];
        for (int s = 0; s < n; s++) coupling[s] = new List<(int, double)>[3 * o];
        for (int r = 0; r < no; r++)
        {
            int b0 = rowsPer * r, s = r / o, k = r % o;
            // Rows b0 .. b0 + 6: [1 - u1 - u2], [-y f - z, 1, u1], [-z, 1, u2]; A = -coefficient, b = constant.
            rhs[b0] = 1; rhs[b0 + 2] = 1; rhs[b0 + 5] = 1;
            f[r] = [(b0 + 1, y[s, k])];
            coupling[s][3 * k] = [(b0 + 1, 1.0), (b0 + 4, 1.0)];
            coupling[s][3 * k + 1] = [(b0, 1.0), (b0 + 3, -1.0)];
            coupling[s][3 * k + 2] = [(b0, 1.0), (b0 + 6, -1.0)];
            cones.Add(new NonnegativeConeSpec(1)); cones.Add(new ExponentialConeSpec()); cones.Add(new ExponentialConeSpec());
        }
        var cost = new double[3 * o];
        for (int k = 0; k < o; k++) cost[3 * k] = 1;
        return WithoutOwnRows(rowsPer * no, rhs, cones, f, coupling, cost);
    }

    /// <summary>
    /// Cross-entropy logsumexp(f) - f_c for one-hot targets (label c): a block [z, u_0 .. u_{K-1}] per sample with cost 1
    /// on z, and 1 + 3K coupling rows per sample:
    /// <code>
    ///   1 - sum_k u_k &gt;= 0,   (f_k - f_c - z, 1, u_k) in K_exp for every k (for k = c the first entry is -z),
    /// </code>
    /// i.e. sum_k exp(f_k - f_c - z) &lt;= 1, which is z &gt;= logsumexp(f) - f_c.
    /// </summary>
    private static ConicLoss CrossEntropy(double[,] y)
    {
        int n = y.GetLength(0), o = y.GetLength(1), rowsPer = 1 + 3 * o;
        var rhs = new double[rowsPer * n];
        var f = new (int, double)[n * o][];
        var cones = new List<ConeSpec>((1 + o) * n);
        var coupling = new List<(int, double)>[n][];
        for (int s = 0; s < n; s++)
        {
            int b0 = rowsPer * s, c = 0;
            for (int k = 1; k < o; k++) if (y[s, k] > y[s, c]) c = k;
            rhs[b0] = 1;
            cones.Add(new NonnegativeConeSpec(1));
            coupling[s] = new List<(int, double)>[1 + o];
            coupling[s][0] = [];
            for (int k = 0; k < o; k++)
            {
                // Cone k: rows x = b0 + 1 + 3k (f_k - f_c - z), b0 + 2 + 3k (the constant 1), b0 + 3 + 3k (u_k).
                int xRow = b0 + 1 + 3 * k;
                rhs[xRow + 1] = 1;
                coupling[s][0].Add((xRow, 1.0));
                coupling[s][1 + k] = [(b0, 1.0), (xRow + 2, -1.0)];
                cones.Add(new ExponentialConeSpec());
            }
            for (int k = 0; k < o; k++)
            {
                int xRow = b0 + 1 + 3 * k;
                f[s * o + k] = k == c
                    ? Enumerable.Range(0, o).Where(j => j != c).Select(j => (b0 + 1 + 3 * j, 1.0)).ToArray()
                    : [(xRow, -1.0)];
            }
        }
        var cost = new double[1 + o];
        cost[0] = 1;
        return WithoutOwnRows(rowsPer * n, rhs, cones, f, coupling, cost);
    }

    /// <summary>Losses whose per-sample blocks have no rows of their own (their cones sit in the coupling rows).</summary>
    private static ConicLoss WithoutOwnRows(int nc, double[] rhs, List<ConeSpec> cones, (int, double)[][] f, List<(int, double)>[][] coupling, double[] cost)
    {
        var own = new List<(int, double)>[cost.Length];
        for (int c = 0; c < own.Length; c++) own[c] = [];
        return new ConicLoss
        {
            CouplingVariables = 0, CouplingRows = nc, CouplingQuadratic = [], CouplingColumns = [], CouplingRhs = rhs, CouplingCones = cones, F = f,
            BlockVariables = cost.Length, BlockRows = 0, BlockCoupling = coupling, BlockOwn = own, BlockRhs = [], BlockCost = cost, BlockCones = [],
        };
    }

    /// <summary>Losses whose block per sample is <paramref name="o"/> nonnegative variables, each with its own row -x &lt;= 0 and cost.</summary>
    private static ConicLoss PerOutputBlock(int mc, int nc, double[] pc, List<(int, double)>[] pCols, double[] rhs, List<ConeSpec> cones,
        (int, double)[][] f, List<(int, double)>[][] coupling, int o, double[] cost)
    {
        var own = new List<(int, double)>[o];
        for (int k = 0; k < o; k++) own[k] = [(k, -1.0)];
        return new ConicLoss
        {
            CouplingVariables = mc, CouplingRows = nc, CouplingQuadratic = pc, CouplingColumns = pCols, CouplingRhs = rhs, CouplingCones = cones, F = f,
            BlockVariables = o, BlockRows = o, BlockCoupling = coupling, BlockOwn = own, BlockRhs = new double[o], BlockCost = cost,
            BlockCones = [new NonnegativeConeSpec(o)],
        };
    }

    /// <summary>
    /// The dual candidate of a solution: V_sk = -sum over the rows of f_sk of its coefficient times the row's multiplier,
    /// so that the chamber blocks' stationarity reads exactly as for the squared loss (where V = z, the residual y - f).
    /// </summary>
    public double[,] DualCandidate(ReadOnlySpan<double> z, int n, int o)
    {
        var v = new double[n, o];
        for (int s = 0; s < n; s++)
            for (int k = 0; k < o; k++)
            {
                double sum = 0;
                foreach (var (row, a) in F[s * o + k]) sum += a * z[row];
                v[s, k] = -sum;
            }
        return v;
    }
}
