using System.Runtime.InteropServices;

namespace ExactConvexNN.Solver.Linear;

/// <summary>
/// Optional calls into the machine's LAPACK and BLAS (the Fortran interface of the reference libraries, e.g. Debian's
/// liblapack3/libblas3, or any drop-in replacement such as OpenBLAS installed as liblapack.so.3). The libraries are looked
/// up once, by name, through the dynamic loader; when they cannot be loaded (a fresh machine, another OS) or lack a
/// routine, <see cref="IsAvailable"/> is false and callers use their managed kernels, so nothing extra is ever required.
/// Setting the environment variable <c>ECNN_NATIVE_LAPACK=0</c> disables the native path. All matrices are column-major;
/// the routines write into caller-owned buffers (workspace sizes from the <c>*WorkSize</c> queries), so a call allocates nothing.
/// </summary>
public static unsafe class NativeLapack
{
    private static readonly delegate* unmanaged<byte*, byte*, byte*, int*, double*, int*, double*, double*, int*, int*, double*, int*, double*, double*, int*, int*, double*, int*, int*, int*, int*, nint, nint, nint, void> Dsyevr;
    private static readonly delegate* unmanaged<byte*, int*, double*, int*, int*, nint, void> Dpotrf;
    private static readonly delegate* unmanaged<byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, int*, nint, void> Dgesdd;
    private static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, nint, nint, void> Dgemm;

    /// <summary>True when LAPACK's dsyevr, dpotrf, dgesdd and BLAS's dgemm were loaded (and not disabled by <c>ECNN_NATIVE_LAPACK=0</c>).</summary>
    public static bool IsAvailable { get; }

    /// <summary>The library file that provided LAPACK, or null.</summary>
    public static string? LibraryName { get; }

    static NativeLapack()
    {
        if (Environment.GetEnvironmentVariable("ECNN_NATIVE_LAPACK") == "0") return;
        string[] lapackNames = OperatingSystem.IsWindows() ? ["liblapack.dll", "lapack.dll"]
            : OperatingSystem.IsMacOS() ? ["liblapack.dylib", "/System/Library/Frameworks/Accelerate.framework/Accelerate"]
            : ["liblapack.so.3", "liblapack.so"];
        string[] blasNames = OperatingSystem.IsWindows() ? ["libblas.dll", "blas.dll"]
            : OperatingSystem.IsMacOS() ? ["libblas.dylib", "/System/Library/Frameworks/Accelerate.framework/Accelerate"]
            : ["libblas.so.3", "libblas.so"];
        try
        {
            if (!TryLoadAny(lapackNames, out var lapack, out var name)) return;
            // dgemm is usually resolved through LAPACK's own dependency; the BLAS library is the fallback.
            nint dgemm = Export(lapack, "dgemm_");
            if (dgemm == 0 && TryLoadAny(blasNames, out var blas, out _)) dgemm = Export(blas, "dgemm_");
            nint syevr = Export(lapack, "dsyevr_"), potrf = Export(lapack, "dpotrf_"), gesdd = Export(lapack, "dgesdd_");
            if (syevr == 0 || potrf == 0 || gesdd == 0 || dgemm == 0) return;
            Dsyevr = (delegate* unmanaged<byte*, byte*, byte*, int*, double*, int*, double*, double*, int*, int*, double*, int*, double*, double*, int*, int*, double*, int*, int*, int*, int*, nint, nint, nint, void>)syevr;
            Dpotrf = (delegate* unmanaged<byte*, int*, double*, int*, int*, nint, void>)potrf;
            Dgesdd = (delegate* unmanaged<byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, int*, nint, void>)gesdd;
            Dgemm = (delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, nint, nint, void>)dgemm;
            LibraryName = name;
            IsAvailable = SelfTest();
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or InvalidOperationException)
        {
            IsAvailable = false;
        }
    }

    private static bool TryLoadAny(string[] names, out nint handle, out string? name)
    {
        foreach (var n in names)
            if (NativeLibrary.TryLoad(n, out handle)) { name = n; return true; }
        handle = 0; name = null;
        return false;
    }

    private static nint Export(nint lib, string symbol) => NativeLibrary.TryGetExport(lib, symbol, out var p) ? p : 0;

    /// <summary>A 2 x 2 check of every routine (a library with another integer width or calling convention fails it).</summary>
    private static bool SelfTest()
    {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3, singular values 3 and 1, Cholesky factor [[√2, 1/√2], [0, √1.5]].
        double[] a = [2, 1, 1, 2];
        var work = new double[Math.Max(SmallestEigenvalueWorkSize(2), SvdWorkSize(2))];
        var iwork = new int[Math.Max(SmallestEigenvalueIntWorkSize(2), SvdIntWorkSize(2))];
        double[] copy = (double[])a.Clone();
        if (!TrySmallestEigenvalue(copy, 2, work, iwork, out double min) || Math.Abs(min - 1) > 1e-12) return false;
        copy = (double[])a.Clone();
        double[] s = new double[2], u = new double[4], vt = new double[4];
        if (!TrySvd(copy, 2, s, u, vt, work, iwork) || Math.Abs(s[0] - 3) > 1e-12 || Math.Abs(s[1] - 1) > 1e-12) return false;
        copy = (double[])a.Clone();
        if (!TryCholeskyUpper(copy, 2) || Math.Abs(copy[2] - 1 / Math.Sqrt(2)) > 1e-12) return false;
        double[] c = new double[4];
        Multiply(false, true, 2, 2, 2, 1.0, a, a, 0.0, c);
        return Math.Abs(c[0] - 5) < 1e-12 && Math.Abs(c[1] - 4) < 1e-12;
    }

    /// <summary>Length of the double workspace of <see cref="TrySmallestEigenvalue"/> for order n (the n eigenvalue slots, then dsyevr's 26 n).</summary>
    public static int SmallestEigenvalueWorkSize(int n) => 27 * Math.Max(1, n);

    /// <summary>Length of the integer workspace of <see cref="TrySmallestEigenvalue"/> for order n (dsyevr: 10 n).</summary>
    public static int SmallestEigenvalueIntWorkSize(int n) => 10 * Math.Max(1, n);

    /// <summary>Length of the double workspace of <see cref="TrySvd"/> for order n (dgesdd with JOBZ = 'A': 4n² + 7n, rounded up).</summary>
    public static int SvdWorkSize(int n) => 4 * n * n + 8 * n + 64;

    /// <summary>Length of the integer workspace of <see cref="TrySvd"/> for order n (8 n).</summary>
    public static int SvdIntWorkSize(int n) => 8 * Math.Max(1, n);

    /// <summary>
    /// λ_min of the symmetric n x n column-major matrix <paramref name="a"/> (its lower triangle is read; <paramref name="a"/> is
    /// overwritten) by dsyevr with RANGE = 'I', IL = IU = 1 and no eigenvectors: a tridiagonal reduction and bisection, not a full
    /// decomposition. False when the routine reports an error.
    /// </summary>
    public static bool TrySmallestEigenvalue(Span<double> a, int n, Span<double> work, Span<int> iwork, out double min)
    {
        min = double.NaN;
        if (!IsAvailableForCall || n == 0) return false;
        byte jobz = (byte)'N', range = (byte)'I', uplo = (byte)'L';
        // W (n slots, the first the one asked for) is the head of the workspace, dsyevr's own work its tail.
        int lda = n, il = 1, iu = 1, found = 0, ldz = 1, lwork = work.Length - n, liwork = iwork.Length, info = 0;
        if (lwork < 26 * n) return false;
        double vl = 0, vu = 0, abstol = 0, z = 0;
        int* isuppz = stackalloc int[2];
        fixed (double* ap = a) fixed (double* wp = work) fixed (int* ip = iwork)
            Dsyevr(&jobz, &range, &uplo, &n, ap, &lda, &vl, &vu, &il, &iu, &abstol, &found, wp, &z, &ldz, isuppz, wp + n, &lwork, ip, &liwork, &info, 1, 1, 1);
        if (info != 0 || found < 1) return false;
        min = work[0];
        return true;
    }

    /// <summary>
    /// Full SVD A = U diag(s) V' of the n x n column-major <paramref name="a"/> (overwritten) by dgesdd (divide and conquer),
    /// singular values descending. False when the routine reports an error.
    /// </summary>
    public static bool TrySvd(Span<double> a, int n, Span<double> s, Span<double> u, Span<double> vt, Span<double> work, Span<int> iwork)
    {
        if (!IsAvailableForCall || n == 0) return false;
        byte jobz = (byte)'A';
        int lda = n, lwork = work.Length, info = 0;
        fixed (double* ap = a) fixed (double* sp = s) fixed (double* up = u) fixed (double* vp = vt) fixed (double* wp = work) fixed (int* ip = iwork)
            Dgesdd(&jobz, &n, &n, ap, &lda, sp, up, &lda, vp, &lda, wp, &lwork, ip, &info, 1);
        return info == 0;
    }

    /// <summary>Cholesky A = U'U of the n x n column-major <paramref name="a"/> in place (upper triangle; the strict lower part is left as it was). False when A is not positive definite.</summary>
    public static bool TryCholeskyUpper(Span<double> a, int n)
    {
        if (!IsAvailableForCall) return false;
        byte uplo = (byte)'U';
        int lda = Math.Max(1, n), info = 0;
        fixed (double* ap = a) Dpotrf(&uplo, &n, ap, &lda, &info, 1);
        return info == 0;
    }

    /// <summary>C = α op(A) op(B) + β C (dgemm, column-major; op(A) is m x k, op(B) k x n, leading dimensions the row counts of the stored matrices).</summary>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k, double alpha, ReadOnlySpan<double> a, ReadOnlySpan<double> b, double beta, Span<double> c)
    {
        if (!IsAvailableForCall) throw new InvalidOperationException("native BLAS is not loaded; check NativeLapack.IsAvailable first");
        byte ta = transposeA ? (byte)'T' : (byte)'N', tb = transposeB ? (byte)'T' : (byte)'N';
        int lda = Math.Max(1, transposeA ? k : m), ldb = Math.Max(1, transposeB ? n : k), ldc = Math.Max(1, m);
        fixed (double* ap = a) fixed (double* bp = b) fixed (double* cp = c)
            Dgemm(&ta, &tb, &m, &n, &k, &alpha, ap, &lda, bp, &ldb, &beta, cp, &ldc, 1, 1);
    }

    private static bool IsAvailableForCall => Dgemm != null && Dsyevr != null;
}
