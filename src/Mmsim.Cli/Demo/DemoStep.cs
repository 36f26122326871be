using Mmsim.Process;

namespace Mmsim.Cli.Demo;

/// <summary>The two seed articles the tour follows (../shared/seeds/).</summary>
internal enum Seed
{
    /// <summary>"Linux memory management series 4" (an English translation, Alibaba Cloud).</summary>
    Series4,

    /// <summary>"【底層原理】Linux內存管理" by 羅道文 (luodw.cc, 2016), after Gustavo Duarte's articles.</summary>
    Luodw,
}

/// <summary>A statement of a seed, quoted verbatim, with an English gloss for the Chinese one.</summary>
internal sealed record SeedQuote(Seed Seed, string Text, string? English = null)
{
    /// <summary>The seed's short name as the tour prints it.</summary>
    public string Source => Seed == Seed.Series4 ? "seed 1 (Linux memory management series 4)" : "seed 2 (luodw, Linux內存管理)";
}

/// <summary>The picture a step is drawn with (the pictures are built in src/Mmsim.Pictures).</summary>
internal enum PictureKind
{
    /// <summary>The address-space layout of a process: text, data, bss, heap, mmap area, stack.</summary>
    Layout,

    /// <summary>A VMA's pages against physical frames, Present bits, RSS versus VSZ.</summary>
    VmaPages,

    /// <summary>A page-table walk for one address, with the TLB hit or miss.</summary>
    Walk,

    /// <summary>The buddy allocator's free areas.</summary>
    Buddy,

    /// <summary>A timeline of events (VSZ, RSS, faults, reference counts).</summary>
    Timeline,
}

/// <summary>
/// What a step leaves behind: the live model at the step's last moment (the kernel, the process
/// and the address the picture should centre on) and the step's key figures by name, which the
/// tests assert and the pictures may label.
/// </summary>
internal sealed class DemoScene
{
    /// <summary>The machine the step ran on (the last one, when it used several).</summary>
    public Kernel? Kernel { get; set; }

    /// <summary>The pid of the process the picture shows.</summary>
    public int Pid { get; set; }

    /// <summary>The address the step is about (the faulting one, the walked one), or 0.</summary>
    public ulong Address { get; set; }

    /// <summary>
    /// The step's picture when the step drew it itself, at the moment that shows its point (a
    /// process that is gone by the step's end: the segfault's walk, sleep at exit_group); null:
    /// drawn from the scene afterwards.
    /// </summary>
    public (string Svg, string What)? Picture { get; set; }

    /// <summary>The step's key figures, in the order they were found.</summary>
    public Dictionary<string, long> Figures { get; } = new();

    /// <summary>The figure of that name (a test's lookup; throws when the step did not record it).</summary>
    public long this[string name] => Figures[name];
}

/// <summary>
/// One step of <c>mmsim demo</c>: a short id, a title, the seed statements it demonstrates, what
/// Linux 6.18 actually does where a seed is wrong or dated, and the code that runs the live
/// model and prints what it shows. Each step builds its own machine, so it can run alone.
/// </summary>
internal abstract class DemoStep
{
    /// <summary>The slug that names the step on the command line.</summary>
    public abstract string Id { get; }

    /// <summary>One line.</summary>
    public abstract string Title { get; }

    /// <summary>The seed statements the step shows, verbatim.</summary>
    public abstract IReadOnlyList<SeedQuote> Quotes { get; }

    /// <summary>Where the seeds are wrong or dated: what Linux 6.18 does (empty when they are right).</summary>
    public virtual IReadOnlyList<string> Corrections => [];

    /// <summary>The picture this step gets.</summary>
    public abstract PictureKind Picture { get; }

    /// <summary>Runs the model, prints what it shows on o, and records the figures in scene.</summary>
    public abstract void Run(DemoScene scene, TextWriter o);
}
