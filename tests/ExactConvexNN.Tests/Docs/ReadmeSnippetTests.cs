using System.Runtime.CompilerServices;
using ExactConvexNN.Data;
using ExactConvexNN.Models;
using ExactConvexNN.Solver;
using ExactConvexNN.Tests.Cli;

namespace ExactConvexNN.Tests.Docs;

/// <summary>The README's library snippet compiles and runs as written: the method below holds it verbatim, and a test checks that it is the README's.</summary>
[Collection("Console")]
public class ReadmeSnippetTests
{
    private const string Begin = "// README snippet begin", End = "// README snippet end";

    /// <summary>The README's snippet, verbatim between the markers (run from the repository root, as the README says).</summary>
    private static void Snippet()
    {
        // README snippet begin
        var data = CsvDataReader.Read("problems/three_point.csv");
        var result = ModelPipeline.Train(data, new ModelSpec { Beta = 0.1 });
        var cert = result.Certificate!;
        Console.WriteLine($"{result.RecoveredObjective} >= optimum >= {cert.LowerBound} ({result.Status.ToName()})");
        // README snippet end
    }

    private static string Root => Path.GetDirectoryName(CliHarness.Problems())!;

    [Fact]
    public void TheReadmeLibrarySnippetRunsAndPrintsACertifiedBound()
    {
        var (oldDir, oldOut) = (Directory.GetCurrentDirectory(), Console.Out);
        var output = new StringWriter();
        try
        {
            Directory.SetCurrentDirectory(Root);
            Console.SetOut(output);
            Snippet();
        }
        finally { Console.SetOut(oldOut); Directory.SetCurrentDirectory(oldDir); }
        Assert.Matches(@"^[0-9.Ee+-]+ >= optimum >= [0-9.Ee+-]+ \(solved\)\s*$", output.ToString());
    }

    [Fact]
    public void TheTestedSnippetIsTheReadmesSnippet() => Assert.Equal(ReadmeBlock(), TestBlock());

    private static string[] ReadmeBlock()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        int start = readme.IndexOf("```csharp\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no ```csharp block");
        start += "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return Lines(readme[start..end]);
    }

    private static string[] TestBlock([CallerFilePath] string path = "")
    {
        var source = File.ReadAllText(path);
        int start = source.IndexOf(Begin + "\n", StringComparison.Ordinal) + Begin.Length + 1;
        int end = source.IndexOf("        " + End, StringComparison.Ordinal);
        return Lines(source[start..end]);
    }

    private static string[] Lines(string text) => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
