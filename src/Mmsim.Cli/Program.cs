namespace Mmsim.Cli;

/// <summary>Entry point of the mmsim command.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("mmsim");
        return args.Length == 0 ? 0 : 0;
    }
}
