package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cloudwego/kitex/pkg/klog"
)

// Kitex returns a klog.FullLogger that writes Kitex's own log lines through log, as JSON lines with
// the request's trace id like every other line of the binary. Kitex logs a failed call itself
// (a panic in a handler, an error it could not send as a business status) once, with its stack;
// routed here, that line is the one record of the failure. Lines below level are dropped.
func Kitex(log *slog.Logger, level klog.Level) klog.FullLogger {
	return &kitexLogger{log: log, level: level}
}

type kitexLogger struct {
	log   *slog.Logger
	level klog.Level
}

// emit writes one line: fmt.Sprint(v...) without a format, fmt.Sprintf(format, v...) with one.
func (k *kitexLogger) emit(ctx context.Context, lv klog.Level, format *string, v []any) {
	if lv < k.level {
		return
	}
	msg := fmt.Sprint(v...)
	if format != nil {
		msg = fmt.Sprintf(*format, v...)
	}
	var sl slog.Level
	switch {
	case lv <= klog.LevelDebug:
		sl = slog.LevelDebug
	case lv <= klog.LevelNotice:
		sl = slog.LevelInfo
	case lv == klog.LevelWarn:
		sl = slog.LevelWarn
	default:
		sl = slog.LevelError
	}
	k.log.Log(ctx, sl, msg, "from", "kitex")
	if lv == klog.LevelFatal {
		os.Exit(1) // klog's contract for Fatal, kept
	}
}

func (k *kitexLogger) SetLevel(lv klog.Level) { k.level = lv }
func (k *kitexLogger) SetOutput(io.Writer)    {} // the slog handler decides where lines go

func (k *kitexLogger) Trace(v ...any)  { k.emit(context.Background(), klog.LevelTrace, nil, v) }
func (k *kitexLogger) Debug(v ...any)  { k.emit(context.Background(), klog.LevelDebug, nil, v) }
func (k *kitexLogger) Info(v ...any)   { k.emit(context.Background(), klog.LevelInfo, nil, v) }
func (k *kitexLogger) Notice(v ...any) { k.emit(context.Background(), klog.LevelNotice, nil, v) }
func (k *kitexLogger) Warn(v ...any)   { k.emit(context.Background(), klog.LevelWarn, nil, v) }
func (k *kitexLogger) Error(v ...any)  { k.emit(context.Background(), klog.LevelError, nil, v) }
func (k *kitexLogger) Fatal(v ...any)  { k.emit(context.Background(), klog.LevelFatal, nil, v) }

func (k *kitexLogger) Tracef(f string, v ...any) {
	k.emit(context.Background(), klog.LevelTrace, &f, v)
}
func (k *kitexLogger) Debugf(f string, v ...any) {
	k.emit(context.Background(), klog.LevelDebug, &f, v)
}
func (k *kitexLogger) Infof(f string, v ...any) { k.emit(context.Background(), klog.LevelInfo, &f, v) }
func (k *kitexLogger) Noticef(f string, v ...any) {
	k.emit(context.Background(), klog.LevelNotice, &f, v)
}
func (k *kitexLogger) Warnf(f string, v ...any) { k.emit(context.Background(), klog.LevelWarn, &f, v) }
func (k *kitexLogger) Errorf(f string, v ...any) {
	k.emit(context.Background(), klog.LevelError, &f, v)
}
func (k *kitexLogger) Fatalf(f string, v ...any) {
	k.emit(context.Background(), klog.LevelFatal, &f, v)
}

func (k *kitexLogger) CtxTracef(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelTrace, &f, v)
}
func (k *kitexLogger) CtxDebugf(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelDebug, &f, v)
}
func (k *kitexLogger) CtxInfof(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelInfo, &f, v)
}
func (k *kitexLogger) CtxNoticef(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelNotice, &f, v)
}
func (k *kitexLogger) CtxWarnf(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelWarn, &f, v)
}
func (k *kitexLogger) CtxErrorf(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelError, &f, v)
}
func (k *kitexLogger) CtxFatalf(ctx context.Context, f string, v ...any) {
	k.emit(ctx, klog.LevelFatal, &f, v)
}
