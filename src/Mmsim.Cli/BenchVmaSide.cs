namespace Mmsim.Cli;

/// <summary>One operation set up on one side (model or kernel), ready to be timed.</summary>
internal interface IBenchSide : IDisposable
{
    /// <summary>Runs the operation's step and its undo, <paramref name="pairs"/> times; allocates nothing itself.</summary>
    void Run(long pairs);

    /// <summary>The step alone (for the layout checks between runs).</summary>
    void Do();

    /// <summary>The undo alone.</summary>
    void Undo();

    /// <summary>The VMAs of the operation's region, relative to its start.</summary>
    string Layout();

    /// <summary>The side's invariant check (the model's validate_mm).</summary>
    void Validate();
}

/// <summary>
/// An operation on one side. Both type arguments are structs, so the JIT compiles a copy of
/// <see cref="Run"/> per (operation, side) with the operation's steps and the calls inlined.
/// </summary>
internal sealed class BenchSide<TOp, TCalls> : IBenchSide
    where TOp : struct, IVmaBenchOp
    where TCalls : struct, IMmCalls
{
    private TCalls _calls;
    private VmaBenchState _state;
    private bool _disposed;

    public BenchSide(TCalls calls)
    {
        _calls = calls;
        try
        {
            TOp.Setup(ref _calls, ref _state);
        }
        catch (BenchFailureException)
        {
            if (_state.RegionLen > 0)
            {
                // Give the half-built region back; the setup's own failure is the one reported.
                _calls.Munmap(_state.Region, _state.RegionLen);
            }
            throw;
        }
    }

    public void Run(long pairs)
    {
        for (long i = 0; i < pairs; i++)
        {
            TOp.Do(ref _calls, in _state);
            TOp.Undo(ref _calls, in _state);
        }
    }

    public void Do() => TOp.Do(ref _calls, in _state);

    public void Undo() => TOp.Undo(ref _calls, in _state);

    public string Layout() => _calls.Layout(_state.Region, _state.Region + _state.RegionLen);

    public void Validate() => _calls.Validate();

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            TOp.Teardown(ref _calls, in _state);
        }
    }
}

/// <summary>Creates the model and kernel sides of the operations named in <see cref="VmaOpNames"/>.</summary>
internal static class VmaBench
{
    /// <summary>The model side, in an address space shaped like this process's.</summary>
    public static IBenchSide CreateModel(string op, HostFacts host) => Create(op, ModelCalls.Create(host));

    /// <summary>The kernel side, in this process.</summary>
    public static IBenchSide CreateKernel(string op) => Create(op, default(KernelCalls));

    private static IBenchSide Create<T>(string op, T calls)
        where T : struct, IMmCalls
    {
        return op switch
        {
            VmaOpNames.MmapMunmap4k => new BenchSide<MmapMunmap4kOp, T>(calls),
            VmaOpNames.MmapMunmap4kMerge => new BenchSide<MmapMunmap4kMergeOp, T>(calls),
            VmaOpNames.MprotectSplitMerge => new BenchSide<MprotectSplitMergeOp, T>(calls),
            VmaOpNames.MremapGrowInPlace => new BenchSide<MremapGrowInPlaceOp, T>(calls),
            VmaOpNames.MremapMove => new BenchSide<MremapMoveOp, T>(calls),
            VmaOpNames.BrkGrowShrink => new BenchSide<BrkGrowShrinkOp, T>(calls),
            VmaOpNames.MprotectSplit60k => new BenchSide<MprotectSplit60kOp, T>(calls),
            _ => throw new ArgumentException($"unknown operation '{op}'", nameof(op)),
        };
    }
}
