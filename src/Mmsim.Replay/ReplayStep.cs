using Mmsim.Strace;

namespace Mmsim.Replay;

/// <summary>What one event applied through <see cref="Replayer.Step"/> did.</summary>
/// <param name="Handled">The model acted on the call (false: a call it has no handler for, skipped as a replay skips it).</param>
/// <param name="Result">The call's result: the model's own where it chooses one (addresses, errors), else the event's.</param>
/// <param name="Divergence">The recorded result differed from the model's (only when the event had one), else null.</param>
public readonly record struct ReplayStepResult(bool Handled, long Result, Divergence? Divergence);

/// <summary>
/// One event at a time, for callers that make their events themselves (a scenario's hand-written
/// call lines) instead of reading a log: the same dispatch as <see cref="Replayer.Run"/>, so every
/// syscall is applied to the kernel exactly as a replay applies it.
/// </summary>
public sealed partial class Replayer
{
    // The model's result of the step under way: the first value a handler compared (see Compare).
    private bool _stepHasModel;
    private long _stepModel;

    /// <summary>
    /// Applies one event as <see cref="Run"/> would have read it from a log named fileName. Results
    /// the model does not choose (a child's pid, a new fd) are taken from the event, which must then
    /// carry them. Throws <see cref="ReplayException"/> (FILE:LINE) where a replay would stop.
    /// </summary>
    public ReplayStepResult Step(in StraceEvent ev, string fileName)
    {
        _stepHasModel = false;
        int divergences = _divergences.Count;
        long skipped = CallsSkipped;
        Lines = ev.Line;
        Dispatch(ev, fileName);
        bool handled = ev.Kind != StraceEventKind.Syscall || CallsSkipped == skipped;
        long result = _stepHasModel ? _stepModel : ev.Result;
        Divergence? d = _divergences.Count > divergences ? _divergences[divergences] : null;
        return new ReplayStepResult(handled, result, d);
    }
}
