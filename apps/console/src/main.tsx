import { lazy, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api';
import { Layout } from './pages/layout';
import { Callback } from './pages/callback';
import { RequiresRole } from './pages/requires-role';
import { SignIn } from './pages/sign-in';
import './styles.css';

// Each page is its own chunk, loaded when first shown: the overview does not parse React Flow and
// elk's bridge, nor the asset page ECharts (one bundle of everything was 1.1 MB to parse before any page).
const Overview = lazy(() => import('./pages/overview').then((m) => ({ default: m.Overview })));
const Assets = lazy(() => import('./pages/assets').then((m) => ({ default: m.Assets })));
const AssetPage = lazy(() => import('./pages/asset').then((m) => ({ default: m.AssetPage })));
const Connectors = lazy(() => import('./pages/connectors').then((m) => ({ default: m.Connectors })));
const Incidents = lazy(() => import('./pages/incidents').then((m) => ({ default: m.Incidents })));
const IncidentPage = lazy(() => import('./pages/incident').then((m) => ({ default: m.IncidentPage })));
const Rules = lazy(() => import('./pages/rules').then((m) => ({ default: m.Rules })));
const RuleEditor = lazy(() => import('./pages/rule-editor').then((m) => ({ default: m.RuleEditor })));
const Support = lazy(() => import('./pages/support').then((m) => ({ default: m.Support })));

const queries = new QueryClient({
  defaultOptions: {
    // a refused credential is not tried again: the page says why
    queries: { retry: (count, err) => !(err instanceof ApiError && (err.status === 401 || err.status === 403)) && count < 2, staleTime: 10_000 },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter basename="/console">
        <Routes>
          <Route path="/sign-in" element={<SignIn />} />
          <Route path="/callback" element={<Callback />} />
          <Route element={<Layout />}>
            <Route index element={<Overview />} />
            <Route path="assets" element={<Assets />} />
            <Route path="assets/*" element={<AssetPage />} />
            <Route path="connectors" element={<RequiresRole role="admin"><Connectors /></RequiresRole>} />
            <Route path="support" element={<RequiresRole role="support"><Support /></RequiresRole>} />
            <Route path="incidents" element={<Incidents />} />
            <Route path="incidents/:id" element={<IncidentPage />} />
            <Route path="rules" element={<RequiresRole role="steward"><Rules /></RequiresRole>} />
            <Route path="rules/new" element={<RequiresRole role="steward"><RuleEditor /></RequiresRole>} />
            <Route path="rules/:id" element={<RequiresRole role="steward"><RuleEditor /></RequiresRole>} />
          </Route>
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
