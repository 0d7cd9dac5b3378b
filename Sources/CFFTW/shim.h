#ifndef SPECTRALDMFT_CFFTW_SHIM_H
#define SPECTRALDMFT_CFFTW_SHIM_H
#include <fftw3.h>
#endif
