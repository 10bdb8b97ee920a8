// SPDX-License-Identifier: MIT
// A tiny CO-RE program: report every exec with pid, ppid, uid and comm. Kernel types are declared
// here, reduced to the fields we read, with preserve_access_index so every access becomes a CO-RE
// relocation that libbpf (and btfgen) resolves against the running kernel's BTF.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

typedef unsigned int u32;

struct kuid_t_ {
  u32 val;
} __attribute__((preserve_access_index));
typedef struct kuid_t_ kuid_t;

struct cred {
  kuid_t uid;
} __attribute__((preserve_access_index));

struct task_struct {
  int pid;
  int tgid;
  struct task_struct *real_parent;
  const struct cred *cred;
  char comm[16];
} __attribute__((preserve_access_index));

struct event {
  u32 pid, ppid, uid;
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 16);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int handle_exec(void *ctx) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return 0;
  e->pid = BPF_CORE_READ(task, tgid);
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  e->uid = BPF_CORE_READ(task, cred, uid.val);
  BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
