/*
 * cpuid-mask: run a program as if the CPU lacked some instruction-set extensions, to see which kernels a
 * library such as ONNX Runtime's MLAS picks on an older or smaller CPU (AVX2 without AVX-512 or VNNI, say)
 * without owning one. Loaded with LD_PRELOAD by scripts/as-cpu.sh; the profile comes from RELSTREAM_CPU_MASK.
 *
 * How: Linux's CPUID faulting (arch_prctl ARCH_SET_CPUID, on CPUs with the cpuid_fault flag) turns every CPUID
 * instruction of this process into a SIGSEGV. The handler runs the real CPUID with faulting briefly off, clears
 * the masked feature bits, writes the registers back and steps over the instruction. The setting survives fork
 * and clone and is reset by execve, where LD_PRELOAD loads this library again.
 *
 * Libraries install SIGSEGV handlers of their own (V8's WebAssembly trap handler, Python's faulthandler), so
 * sigaction() for SIGSEGV is intercepted: this handler stays installed and calls theirs for every other fault.
 *
 * What it cannot hide: XGETBV (the OS's saved-state mask) and anything read before the constructor runs
 * (glibc's own IFUNC choices in ld.so). Kernels are chosen from the CPUID feature bits, which it does hide.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

enum reg { EAX, EBX, ECX, EDX };

struct mask {
  unsigned leaf, subleaf;
  enum reg reg;
  unsigned bits;
};

#define BIT(n) (1u << (n))

/* Leaf 7 subleaf 0: AVX-512 foundation and its families. */
#define AVX512_EBX (BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31))
#define AVX512_ECX (BIT(1) | BIT(6) | BIT(12) | BIT(14))
#define AVX512_EDX (BIT(2) | BIT(3) | BIT(8) | BIT(23))
/* VNNI: AVX512_VNNI (7.0 ECX 11), AVX-VNNI (7.1 EAX 4), AVX-VNNI-INT8/INT16 (7.1 EDX 4, 10). */
#define VNNI512_ECX BIT(11)
#define AVX_VNNI_EAX BIT(4)
#define AVX_VNNI_INT_EDX (BIT(4) | BIT(10))
/* AMX (7.0 EDX 22, 24, 25; 7.1 EAX 21 fp16, 7.1 EDX 8 complex), AVX512_BF16 (7.1 EAX 5), AVX-IFMA (7.1 EAX 23),
   AVX-NE-CONVERT (7.1 EDX 5) and AVX10 (7.1 EDX 19). */
#define AMX_EDX (BIT(22) | BIT(24) | BIT(25))
#define LEAF71_EAX_LATE (BIT(5) | BIT(21) | BIT(23))
#define LEAF71_EDX_LATE (BIT(5) | BIT(8) | BIT(19))

static struct mask masks[8];
static int mask_count;
static struct sigaction next_action; /* the program's own SIGSEGV handler, if it set one */
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static int active;

static void add(unsigned leaf, unsigned subleaf, enum reg reg, unsigned bits) {
  masks[mask_count++] = (struct mask){leaf, subleaf, reg, bits};
}

/* Profiles named for the CPUs they stand for; each hides what that CPU lacks. */
static int choose(const char *profile) {
  if (strcmp(profile, "avx2") == 0) { /* Haswell to Comet Lake, AMD Zen 1 to 3 */
    add(7, 0, EBX, AVX512_EBX);
    add(7, 0, ECX, AVX512_ECX | VNNI512_ECX);
    add(7, 0, EDX, AVX512_EDX | AMX_EDX);
    add(7, 1, EAX, AVX_VNNI_EAX | LEAF71_EAX_LATE);
    add(7, 1, EDX, AVX_VNNI_INT_EDX | LEAF71_EDX_LATE);
  } else if (strcmp(profile, "avx2-vnni") == 0) { /* Alder Lake and later client cores */
    add(7, 0, EBX, AVX512_EBX);
    add(7, 0, ECX, AVX512_ECX | VNNI512_ECX);
    add(7, 0, EDX, AVX512_EDX | AMX_EDX);
    add(7, 1, EAX, LEAF71_EAX_LATE);
    add(7, 1, EDX, AVX_VNNI_INT_EDX | LEAF71_EDX_LATE);
  } else if (strcmp(profile, "avx512") == 0) { /* Skylake-SP: AVX-512 without VNNI */
    add(7, 0, ECX, VNNI512_ECX);
    add(7, 0, EDX, AMX_EDX);
    add(7, 1, EAX, AVX_VNNI_EAX | LEAF71_EAX_LATE);
    add(7, 1, EDX, AVX_VNNI_INT_EDX | LEAF71_EDX_LATE);
  } else if (strcmp(profile, "avx512-vnni") == 0) { /* Cascade Lake, Ice Lake, AMD Zen 4: no AMX */
    add(7, 0, EDX, AMX_EDX);
    add(7, 1, EAX, LEAF71_EAX_LATE);
    add(7, 1, EDX, LEAF71_EDX_LATE);
  } else if (strcmp(profile, "native") != 0) {
    return -1;
  }
  return 0;
}

static void set_faulting(int on) { syscall(SYS_arch_prctl, ARCH_SET_CPUID, on ? 0 : 1); }

static void chain(int sig, siginfo_t *info, void *context) {
  if (next_action.sa_flags & SA_SIGINFO) {
    next_action.sa_sigaction(sig, info, context);
  } else if (next_action.sa_handler != SIG_DFL && next_action.sa_handler != SIG_IGN) {
    next_action.sa_handler(sig);
  } else {
    /* Default action: restore it; the faulting instruction runs again and the process dies as it would have. */
    struct sigaction fallback = {0};
    fallback.sa_handler = SIG_DFL;
    real_sigaction(SIGSEGV, &fallback, NULL);
  }
}

static void on_segv(int sig, siginfo_t *info, void *context) {
  ucontext_t *uc = context;
  greg_t *regs = uc->uc_mcontext.gregs;
  /* A CPUID fault is a general-protection fault (SI_KERNEL); page faults carry other codes and an address that
     may not be readable, so only this kind has its instruction bytes looked at. */
  const unsigned char *ip = (const unsigned char *)regs[REG_RIP];
  if (info->si_code != SI_KERNEL || ip[0] != 0x0f || ip[1] != 0xa2) {
    chain(sig, info, context);
    return;
  }
  unsigned leaf = (unsigned)regs[REG_RAX], subleaf = (unsigned)regs[REG_RCX];
  unsigned r[4];
  set_faulting(0);
  __cpuid_count(leaf, subleaf, r[EAX], r[EBX], r[ECX], r[EDX]);
  set_faulting(1);
  for (int i = 0; i < mask_count; i++)
    if (masks[i].leaf == leaf && masks[i].subleaf == subleaf) r[masks[i].reg] &= ~masks[i].bits;
  regs[REG_RAX] = r[EAX];
  regs[REG_RBX] = r[EBX];
  regs[REG_RCX] = r[ECX];
  regs[REG_RDX] = r[EDX];
  regs[REG_RIP] += 2;
}

int sigaction(int sig, const struct sigaction *action, struct sigaction *previous) {
  if (!real_sigaction) real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
  if (sig != SIGSEGV || !active) return real_sigaction(sig, action, previous);
  if (previous) *previous = next_action;
  if (action) next_action = *action;
  return 0;
}

__attribute__((constructor)) static void start(void) {
  const char *profile = getenv("RELSTREAM_CPU_MASK");
  if (!profile || !*profile) return;
  if (choose(profile) != 0) {
    fprintf(stderr, "cpuid-mask: unknown profile %s (avx2, avx2-vnni, avx512, avx512-vnni, native)\n", profile);
    _exit(2);
  }
  if (!real_sigaction) real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
  struct sigaction action = {0};
  action.sa_sigaction = on_segv;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  next_action.sa_handler = SIG_DFL;
  if (real_sigaction(SIGSEGV, &action, NULL) != 0 || syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0) {
    /* No CPUID faulting (the cpuid_fault flag is missing, e.g. in some VMs): say so rather than run unmasked. */
    fprintf(stderr, "cpuid-mask: this CPU or kernel cannot fault on CPUID (cpuid_fault); nothing can be masked\n");
    _exit(2);
  }
  active = 1;
}
