namespace Mmsim.Scenario;

/// <summary>
/// One statement of a scenario, parsed and ready to run. A statement kind is a subclass plus a
/// parser registered under its keyword in <see cref="ScenarioSyntax"/>; syntax is checked when the
/// scenario is parsed, names and values when it runs.
/// </summary>
public abstract class Statement
{
    /// <summary>Creates the statement for the line it came from.</summary>
    protected Statement(StatementSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Line = source.Line;
        Text = source.Text;
    }

    /// <summary>1-based line of the statement (its first line, for a block).</summary>
    public int Line { get; }

    /// <summary>The statement as written (comment removed, trimmed).</summary>
    public string Text { get; }

    /// <summary>
    /// Runs the statement on the run's model, writing what it shows to <see cref="ScenarioRun.Out"/>.
    /// Throws <see cref="ScenarioException"/> (via <see cref="ScenarioRun.Error"/>) for what the
    /// scenario got wrong.
    /// </summary>
    public abstract void Execute(ScenarioRun run);
}
