// SPDX-License-Identifier: MIT
// A libbpf loader for execsnoop.bpf.o that carries the minimized BTF of its kernels (btfgen_embed()
// compiled them in as a C table) and so loads on a kernel without /sys/kernel/btf/vmlinux.
//
//   loader [execsnoop.bpf.o]
//
// It asks the btfgen runtime for a btf_custom_path (none when the kernel has its own BTF; the
// embedded file for this host otherwise, in a memfd), loads the object, and then proves which BTF
// libbpf relocated against: libbpf's log names the target candidate's type id, which must be
// task_struct's id in the embedded BTF (the kernel's own BTF numbers it in the tens of thousands).
// BTFGEN_IGNORE_KERNEL_BTF=1 makes it use the embedded BTF on a kernel that has its own.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "execsnoop_btfs.h"

static int task_struct_candidate = -1;  // from libbpf's log: "found target candidate [N] struct task_struct"

static int on_libbpf_message(enum libbpf_print_level level, const char *format, va_list args) {
  char line[1024];
  vsnprintf(line, sizeof(line), format, args);
  const char *found = strstr(line, "found target candidate [");
  if (found != NULL && strstr(line, "] struct task_struct in") != NULL)
    sscanf(found, "found target candidate [%d]", &task_struct_candidate);
  if (level != LIBBPF_DEBUG) fputs(line, stderr);
  return 0;
}

int main(int argc, char **argv) {
  const char *object_path = argc > 1 ? argv[1] : "execsnoop.bpf.o";
  libbpf_set_print(on_libbpf_message);

  const struct btfgen_source source = {&execsnoop_btfs, NULL};
  struct btfgen_btf_path btf;
  int err = btfgen_btf_custom_path(&source, NULL, &btf);
  if (err != 0) {
    fprintf(stderr, "loader: no BTF for this host: %s\n", btf.why);
    return 1;
  }
  printf("btf: %s\n", btf.why);

  // task_struct's id in the BTF libbpf is about to use, read before the path is released.
  int embedded_id = -1;
  if (btf.path[0] != '\0') {
    struct btf *embedded = btf__parse(btf.path, NULL);
    if (embedded != NULL) embedded_id = btf__find_by_name_kind(embedded, "task_struct", BTF_KIND_STRUCT);
    btf__free(embedded);
  }

  LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf.path[0] != '\0' ? btf.path : NULL);
  struct bpf_object *obj = bpf_object__open_file(object_path, &opts);
  if (obj == NULL) {
    fprintf(stderr, "loader: cannot open %s\n", object_path);
    btfgen_btf_path_release(&btf);
    return 1;
  }
  err = bpf_object__load(obj);
  btfgen_btf_path_release(&btf);
  if (err != 0) {
    fprintf(stderr, "loader: loading %s failed: %s\n", object_path, strerror(-err));
    bpf_object__close(obj);
    return 1;
  }
  int loaded = 0;
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) loaded += bpf_program__fd(prog) >= 0;
  printf("loaded %d program(s) into the kernel\n", loaded);
  if (embedded_id > 0) {
    if (task_struct_candidate != embedded_id) {
      fprintf(stderr, "loader: libbpf relocated against [%d] struct task_struct, not the embedded BTF's [%d]\n",
              task_struct_candidate, embedded_id);
      bpf_object__close(obj);
      return 1;
    }
    printf("relocated against the embedded BTF (struct task_struct is [%d] there)\n", embedded_id);
  }
  bpf_object__close(obj);
  return loaded > 0 ? 0 : 1;
}
