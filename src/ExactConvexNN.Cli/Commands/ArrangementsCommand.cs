using System.CommandLine;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExactConvexNN.Arrangements;
using ExactConvexNN.Cli.Options;
using ExactConvexNN.Data;
using ExactConvexNN.Networks;
using ExactConvexNN.Solver;
using ExactConvexNN.Visualization;

namespace ExactConvexNN.Cli.Commands;

/// <summary>
/// <c>ecnn arrangements DATA [--bias] [--target NAME] [--max-patterns N] [--sample K] [--svg FILE] [--json]</c>:
/// enumerates the activation patterns of one ReLU neuron on the data (the chambers of its hyperplane arrangement),
/// with an independent count, optionally on convolutional patches, and draws the teaching picture.
/// </summary>
public static class ArrangementsCommand
{
    public static Command Create()
    {
        var data = new Argument<FileInfo>("data") { Description = "CSV file with a header row; the last column is the target (dropped here) unless --target names another" };
        var bias = new Option<bool>("--bias") { Description = "append a column of ones (first-layer bias)" };
        var target = new Option<string?>("--target") { Description = "name of the target column (default: the last column)" };
        var noTarget = new Option<bool>("--no-target") { Description = "every column is a feature (the file has no target)" };
        var maxPatterns = new Option<long>("--max-patterns") { Description = "refuse to enumerate when the closed-form estimate exceeds this", DefaultValueFactory = _ => ArrangementOptions.DefaultMaxPatterns };
        var sample = new Option<int?>("--sample") { Description = "sample K random directions instead of enumerating (a subset of the exact patterns)" };
        var seed = new Option<int>("--seed") { Description = "random seed for --sample", DefaultValueFactory = _ => 0 };
        var svg = new Option<FileInfo?>("--svg") { Description = "write the arrangement picture (rank 2 or 3) to this SVG file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var list = new Option<bool>("--list") { Description = "also list every chamber: pattern, witness, facet rows" };
        var shape = new ShapeOptions(withPool: false);
        var cmd = new Command("arrangements", "Enumerate the activation patterns of a ReLU neuron on the data: the chambers of the hyperplane arrangement {g : x_j'g = 0}.")
        {
            data, bias, target, noTarget, maxPatterns, sample, seed, svg, json, list,
        };
        shape.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Guard(pr, () =>
        {
            var file = pr.GetValue(data)!;
            CliRunner.CheckOutput(pr.GetValue(svg), file);
            var image = shape.Parse(pr);
            var dataset = CsvDataReader.Read(file.FullName, pr.GetValue(target), pr.GetValue(noTarget) ? TargetMode.None : TargetMode.LastColumn);
            // The matrix ReLU training enumerates: the features (with the bias column), or the stacked patch matrix of the CNN.
            bool addOnes = pr.GetValue(bias);
            var arch = image is null ? NetworkArchitecture.FullyConnected(dataset.Columns, addOnes) : NetworkArchitecture.Convolutional(image, 1, sumPooling: true);
            var patches = arch.StackedPatches(dataset.X);
            var x = image is not null && addOnes ? AppendOnes(patches.X) : patches.X;
            string describe = image is null ? "features" : image.Signal
                ? $"{patches.PatchesPerSample} patches {image.Channels}x{image.Filter} per signal, stride {image.Stride}, padding {image.Padding}"
                : $"{patches.PatchesPerSample} patches {image.Channels}x{image.Filter}x{image.Filter} per image, stride {image.Stride}, padding {image.Padding}";
            long limit = pr.GetValue(maxPatterns);
            if (limit < 1) throw new InputException($"--max-patterns must be at least 1, got {limit}");
            int? k = pr.GetValue(sample);
            bool asJson = pr.GetValue(json);

            Arrangement arrangement = k is int samples
                ? ArrangementEnumerator.Sample(x, samples, pr.GetValue(seed))
                : Progress.Run("enumerating chambers", !asJson, report => ArrangementEnumerator.Enumerate(x, new ArrangementOptions { MaxPatterns = limit, Progress = report }));

            string? svgText = null;
            if (pr.GetValue(svg) is FileInfo svgFile)
            {
                svgText = ArrangementSvg.Render(x, arrangement);
                CliRunner.WriteFileAtomically(svgFile.FullName, svgText);
            }
            if (asJson) Console.WriteLine(Reports.Json.Text(ToJson(file.ToString(), describe, arrangement, pr.GetValue(list))));
            else PrintText(file.ToString(), describe, arrangement, pr.GetValue(list), pr.GetValue(svg));
            bool agrees = arrangement.Sampled || arrangement.ExpectedChambers is null || arrangement.ExpectedChambers == arrangement.Chambers.Count;
            if (!agrees)
            {
                Console.Error.WriteLine($"internal error: enumerated {arrangement.Chambers.Count} chambers but the independent count is {arrangement.ExpectedChambers}; please report this data set");
                return 1;
            }
            return 0;
        }));
        return cmd;
    }

    private static double[,] AppendOnes(double[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var y = new double[n, d + 1];
        for (int i = 0; i < n; i++) { for (int j = 0; j < d; j++) y[i, j] = x[i, j]; y[i, d] = 1; }
        return y;
    }

    private static JsonNode Number(BigInteger v) => v >= long.MinValue && v <= long.MaxValue ? JsonValue.Create((long)v) : JsonValue.Create(v.ToString());

    private static JsonObject ToJson(string source, string describe, Arrangement a, bool list)
    {
        var o = new JsonObject
        {
            ["data"] = source,
            ["input"] = describe,
            ["n"] = a.Rows,
            ["d"] = a.Columns,
            ["rank"] = a.Rank,
            ["hyperplanes"] = a.Hyperplanes,
            ["regions"] = a.Chambers.Count,
            ["expected_regions"] = a.ExpectedChambers is BigInteger e ? Number(e) : null,
            ["count_method"] = a.CountMethod,
            ["estimated_regions"] = Number(a.EstimatedChambers),
            ["all_zero_region"] = a.Chambers.Any(c => c.IsAllZero),
            ["sampled"] = a.Sampled,
            ["samples_drawn"] = a.SamplesDrawn,
            ["sampling_stopped"] = a.SamplingStopped,
            ["exact"] = !a.Sampled,
            ["seconds"] = Math.Round(a.Seconds, 6),
        };
        if (list)
        {
            var arr = new JsonArray();
            foreach (var c in a.Chambers)
                arr.Add((JsonNode)new JsonObject
                {
                    ["pattern"] = c.ToString(),
                    ["witness"] = new JsonArray(c.Witness.Select(Number).ToArray()),
                    ["facet_rows"] = c.FacetRows is null ? null : new JsonArray(c.FacetRows.Select(r => (JsonNode)JsonValue.Create(r + 1)).ToArray()),
                    ["all_zero"] = c.IsAllZero,
                });
            o["chambers"] = arr;
        }
        return o;
    }

    private static void PrintText(string source, string describe, Arrangement a, bool list, FileInfo? svg)
    {
        int zeroRows = a.RowHyperplane.Count(h => h < 0);
        Console.WriteLine($"data          {source} ({describe}: n = {a.Rows}, d = {a.Columns})");
        Console.WriteLine($"rank          {a.Rank}");
        Console.WriteLine($"hyperplanes   {a.Hyperplanes} distinct ({a.Rows - zeroRows} nonzero rows, {zeroRows} zero rows)");
        if (a.Sampled)
        {
            Console.WriteLine($"chambers      {a.Chambers.Count} found by random-direction sampling: a SUBSET of the exact patterns, not all of them");
            if (a.SamplingStopped is string why) Console.WriteLine($"sampling      stopped after {a.SamplesDrawn:N0} directions: {why}");
            Console.WriteLine($"estimate      {a.EstimatedChambers:N0} (closed form 2 sum_(k<r) C(m-1,k): exact in general position, an upper bound otherwise)");
        }
        else
        {
            Console.WriteLine($"chambers      {a.Chambers.Count} found by exact enumeration");
            string verdict = a.ExpectedChambers == a.Chambers.Count ? "agrees" : "DISAGREES";
            Console.WriteLine($"independent   {a.ExpectedChambers} by {a.CountMethod}: {verdict}");
        }
        int allZero = a.Chambers.Count(c => c.IsAllZero);
        if (allZero > 0) Console.WriteLine($"all-zero      1 chamber has no active row (Xg < 0 everywhere): marked, it adds nothing to a program");
        Console.WriteLine($"time          {a.Seconds:F3} s");
        if (svg is not null) Console.WriteLine($"picture       {svg}");
        if (!list) return;
        Console.WriteLine();
        Console.WriteLine("pattern (row 1 first)   facet rows   witness g");
        foreach (var c in a.Chambers)
        {
            string facets = c.FacetRows is null ? "-" : string.Join(",", c.FacetRows.Select(r => r + 1));
            Console.WriteLine($"{c + (c.IsAllZero ? " (all zero)" : ""),-24}{facets,-13}({string.Join(", ", c.Witness)})");
        }
    }
}
