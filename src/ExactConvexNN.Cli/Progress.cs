using Spectre.Console;

namespace ExactConvexNN.Cli;

/// <summary>A progress bar on standard error for long work, shown only on an interactive terminal.</summary>
public static class Progress
{
    /// <summary>
    /// Runs <paramref name="work"/>, giving it a callback (done, total); a bar is drawn on stderr when
    /// <paramref name="show"/> is set and stderr is a terminal, otherwise the callback does nothing.
    /// </summary>
    public static T Run<T>(string title, bool show, Func<Action<int, int>, T> work) =>
        RunPhases(title, show, report => work((done, total) => report(title, done, total)));

    /// <summary>
    /// Like <see cref="Run{T}"/> for work in phases: the callback (phase, done, total) renames the bar when the phase
    /// changes (for example "enumerating chambers", then "solving").
    /// </summary>
    public static T RunPhases<T>(string title, bool show, Func<Action<string, int, int>, T> work)
    {
        if (!show || Console.IsErrorRedirected) return work((_, _, _) => { });
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1);
                result = work((phase, done, total) =>
                {
                    if (task.Description != phase) task.Description = phase;
                    task.Value = total == 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
                });
                task.Value = 1;
            });
        return result;
    }
}
