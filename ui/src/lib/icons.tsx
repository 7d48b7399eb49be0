/**
 * Component and Button icons by Lucide name ("webhook", "git-branch"). The
 * icons of the built-in components and those a Button may carry
 * (`BUTTON_ICONS` in crates/engine) are bundled; any other name is looked up in
 * lucide-react's full `icons` map, loaded on first need so the main bundle
 * stays small.
 */
import type { LucideIcon, LucideProps } from 'lucide-react';
import { memo, useEffect, useState } from 'react';

import {
  Archive,
  Check,
  Clock,
  Database,
  Download,
  File,
  FileText,
  Folder,
  GitBranch,
  Globe,
  Image as ImageIcon,
  Mail,
  Play,
  Puzzle,
  Radio,
  RefreshCw,
  Reply,
  Send,
  Shuffle,
  Terminal,
  Timer,
  Upload,
  Webhook,
  Zap,
} from './uiIcons';

/** `git-branch` → `GitBranch`. */
export function pascalCase(name: string): string {
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

const bundled: Record<string, LucideIcon> = {
  Archive,
  Check,
  Clock,
  Database,
  Download,
  File,
  FileText,
  Folder,
  GitBranch,
  Globe,
  Image: ImageIcon,
  Mail,
  Play,
  Radio,
  RefreshCw,
  Reply,
  Send,
  Shuffle,
  Terminal,
  Timer,
  Upload,
  Webhook,
  Zap,
};

export const FallbackIcon = Puzzle;

let fullMap: Record<string, LucideIcon> | null = null;
let loading: Promise<Record<string, LucideIcon>> | null = null;

function loadFullMap(): Promise<Record<string, LucideIcon>> {
  loading ??= import('lucide-react').then((m) => {
    fullMap = m.icons as Record<string, LucideIcon>;
    return fullMap;
  });
  return loading;
}

/** The icon for a name if it is known now (bundled or already loaded). */
export function iconNow(name: string): LucideIcon | undefined {
  const key = pascalCase(name);
  return bundled[key] ?? fullMap?.[key];
}

export const ComponentIcon = memo(function ComponentIcon({ name, ...props }: { name: string } & LucideProps) {
  const [, setLoaded] = useState(0);
  const known = iconNow(name);
  useEffect(() => {
    if (known || fullMap) return;
    let live = true;
    loadFullMap()
      .then(() => live && setLoaded((n) => n + 1))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [known]);
  const Icon = known ?? FallbackIcon;
  return <Icon aria-hidden="true" focusable="false" {...props} />;
});
