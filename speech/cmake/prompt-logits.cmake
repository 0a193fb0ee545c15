# A one-place fix to the whisper.cpp that whisper-rs-sys builds: the decoder's vocabulary
# projection (51,865 × 512 per token) is computed for the last token of a prompt only, the only
# row whisper.cpp reads (whisper.cpp has this line commented out "for the future"). With a
# scenario's prompt of ~190 tokens that is about half of the prompt's cost and a quarter of the
# time to the text; what is decoded stays the same (speech/benches/latency.rs measures it beside
# the unpatched whisper-cli).
#
# How it is applied: .cargo/config.toml sets CMAKE_PROJECT_INCLUDE_BEFORE to this file;
# whisper-rs-sys passes CMAKE_* variables to cmake, which runs this before every project() of the
# build. It edits whisper-rs-sys's own copy of the sources in its OUT_DIR, never the registry's,
# once (the marker below), and stops the build if the code it fixes has changed (a whisper-rs
# upgrade): then update or drop this file.

set(_callcoach_file "${CMAKE_SOURCE_DIR}/src/whisper.cpp")
if(NOT EXISTS "${_callcoach_file}" OR NOT EXISTS "${CMAKE_SOURCE_DIR}/ggml")
    return()
endif()
file(READ "${_callcoach_file}" _callcoach_source)
string(FIND "${_callcoach_source}" "callcoach: prompt logits" _callcoach_done)
if(NOT _callcoach_done EQUAL -1)
    return()
endif()

set(_callcoach_view [==[    //cur = ggml_view_2d(ctx0, cur, cur->ne[0], 1, cur->nb[1], (cur->ne[1] - 1)*cur->nb[1]);]==])
set(_callcoach_view_new [==[    // callcoach: prompt logits for the last token only, when it is the only one asked for
    if (!worst_case && n_tokens > 1) {
        bool last_only = batch.logits[n_tokens - 1] != 0;
        for (int i = 0; i < n_tokens - 1; ++i) {
            last_only = last_only && batch.logits[i] == 0;
        }
        if (last_only) {
            cur = ggml_view_2d(ctx0, cur, cur->ne[0], 1, cur->nb[1], (cur->ne[1] - 1)*cur->nb[1]);
        }
    }]==])
set(_callcoach_get [==[        ggml_backend_tensor_get(logits, logits_out.data() + (n_vocab*i), sizeof(float)*(n_vocab*i), sizeof(float)*n_vocab);]==])
set(_callcoach_get_new [==[        const size_t row = logits->ne[1] == 1 ? 0 : i; // callcoach: one row for a prompt
        ggml_backend_tensor_get(logits, logits_out.data() + (n_vocab*i), sizeof(float)*(n_vocab*row), sizeof(float)*n_vocab);]==])

foreach(_callcoach_part view get)
    string(FIND "${_callcoach_source}" "${_callcoach_${_callcoach_part}}" _callcoach_at)
    if(_callcoach_at EQUAL -1)
        message(FATAL_ERROR "callcoach: ${_callcoach_file} no longer has the code "
            "speech/cmake/prompt-logits.cmake fixes; update or remove that file "
            "(and CMAKE_PROJECT_INCLUDE_BEFORE in .cargo/config.toml).")
    endif()
    string(REPLACE "${_callcoach_${_callcoach_part}}" "${_callcoach_${_callcoach_part}_new}"
        _callcoach_source "${_callcoach_source}")
endforeach()
file(WRITE "${_callcoach_file}" "${_callcoach_source}")
message(STATUS "callcoach: whisper.cpp computes a prompt's logits for its last token only")
