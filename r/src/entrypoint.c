// Forward R's routine registration to the Rust glue (extendr_module! in rust/src/lib.rs);
// calling it from C also keeps the linker from dropping the static library.
#include <R_ext/Rdynload.h>

void R_init_darkfigurer_extendr(DllInfo *dll);

void R_init_darkfigure(DllInfo *dll) {
    R_init_darkfigurer_extendr(dll);
}
