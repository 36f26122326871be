using Mmsim.Cli.Demo;

namespace Mmsim.Cli;

/// <summary>
/// <c>mmsim demo [STEP] [--list] [--svg DIR]</c>: the guided tour of the two seed articles on the live model.
/// Each step quotes the seed, runs the model and prints what it shows (see Demo/).
/// </summary>
internal static class DemoCommand
{
    public const string Help = """
        Usage: mmsim demo [STEP] [--list] [--svg DIR]

        A guided tour of Linux memory management on the live model, following two articles (the
        "seeds"): for each statement, the model shows it happening, and where the article is wrong
        or dated it says what Linux 6.18 does instead. Each step builds its own small machine
        (2 CPUs, 128 MiB of RAM, x86-64 4-level paging unless it says otherwise); one of them
        replays a real /usr/bin/sleep recorded with strace, built into mmsim.

          mmsim demo             every step, in order
          mmsim demo --list      the steps' ids and titles
          mmsim demo STEP        one step (an id from --list, or its number)
          --svg DIR              also draw each step's picture into DIR/NN-STEP.svg: the
                                 address-space layout, a VMA's pages against frames, the page
                                 walk of the step's address (as a TLB miss makes it) or the
                                 buddy allocator's free areas, from the model the step left

        The steps: the address space and its areas; a segfault; mm_users and mm_count; a kernel
        thread borrowing an mm; the VMA list and tree, find_vma; mmap/munmap merging and
        splitting; `sleep 3000 &` and its maps; the gonzo layout; the 2-level and 4-level page
        walks with the TLB; RSS versus VSZ; brk, a page fault and the buddy allocator.
        docs/seeds.md maps every statement of the seeds to its step.

        Exit status: 0, or 2 for an unknown step.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Program.AsksForHelp(args))
        {
            stdout.WriteLine(Help);
            return 0;
        }
        string? only = null;
        string? svgDir = null;
        bool list = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--list")
            {
                list = true;
            }
            else if (a == "--svg")
            {
                svgDir = i + 1 < args.Length ? args[++i] : throw new UsageException("demo: --svg needs a directory");
            }
            else if (a.StartsWith('-') || only is not null)
            {
                throw new UsageException($"demo: unexpected argument '{a}' (try: mmsim demo --help)");
            }
            else
            {
                only = a;
            }
        }
        IReadOnlyList<DemoStep> steps = DemoTour.Steps;
        if (list)
        {
            for (int i = 0; i < steps.Count; i++)
            {
                stdout.WriteLine($"{i + 1,2}. {steps[i].Id,-14} {steps[i].Title}");
            }
            return 0;
        }
        if (only is not null)
        {
            int n = Find(only);
            RunStep(steps[n], n + 1, svgDir, stdout);
            return 0;
        }
        stdout.WriteLine("mmsim demo: a tour of two articles on Linux memory management, on the live model (Linux 6.18, x86-64).");
        stdout.WriteLine("Each step quotes the articles (the \"seeds\"), then shows the model doing it. `mmsim demo --list` lists the steps.");
        stdout.WriteLine();
        for (int i = 0; i < steps.Count; i++)
        {
            RunStep(steps[i], i + 1, svgDir, stdout);
        }
        return 0;
    }

    /// <summary>One step, and its picture when --svg asked for them.</summary>
    private static void RunStep(DemoStep step, int number, string? svgDir, TextWriter stdout)
    {
        DemoScene scene = DemoTour.Run(step, number, stdout);
        if (svgDir is not null)
        {
            DemoPictures.Write(svgDir, step, number, scene, stdout);
            stdout.WriteLine();
        }
    }

    /// <summary>The index of the step named by id or number; a usage error otherwise.</summary>
    private static int Find(string name)
    {
        IReadOnlyList<DemoStep> steps = DemoTour.Steps;
        if (int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1 && n <= steps.Count)
        {
            return n - 1;
        }
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i].Id == name)
            {
                return i;
            }
        }
        throw new UsageException($"demo: no step '{name}' (try: mmsim demo --list)");
    }
}
