using ExactConvexNN.Cli;

namespace ExactConvexNN.Tests.Cli;

/// <summary>Tests that redirect the process console run one at a time.</summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>Runs the <c>ecnn</c> command tree in-process with captured standard output and error.</summary>
internal static class CliHarness
{
    private static readonly object Gate = new();

    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            var (o, e) = (new StringWriter(), new StringWriter());
            Console.SetOut(o); Console.SetError(e);
            try { return (CliRunner.Run(Ecnn.CreateRoot(), args), o.ToString(), e.ToString()); }
            finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        }
    }

    /// <summary>The repository's problems/ folder (found by walking up from the test binary).</summary>
    public static string Problems(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "problems"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("problems/ not found above the test binary");
        return Path.Combine([dir.FullName, "problems", .. parts]);
    }

    /// <summary>A fresh temporary folder for one test.</summary>
    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "ecnn-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
