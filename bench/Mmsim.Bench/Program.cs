using BenchmarkDotNet.Running;

namespace Mmsim.Bench;

/// <summary>Entry point: BenchmarkDotNet's switcher (e.g. <c>-- --filter '*'</c>, <c>--list flat</c>).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
